import { describe, expect, it } from "vitest";
import { requestIdFrom } from "./request-id";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("requestIdFrom", () => {
  it.each(["abc", "A-b_c.9", "x".repeat(128), "4f1c2d9e-0000-4000-8000-000000000000"])(
    "keeps the well-formed %s",
    (id) => expect(requestIdFrom(id)).toBe(id),
  );

  it.each([
    ["missing", undefined],
    ["null", null],
    ["empty", ""],
    ["too long", "x".repeat(129)],
    ["a space", "a b"],
    ["a newline (log injection)", 'ok\n{"level":60}'],
    ["a quote", 'a"b'],
    ["non-ASCII", "idé"],
    ["a repeated header", ["a", "b"]],
  ])("replaces %s with a fresh UUID", (_, header) => {
    const id = requestIdFrom(header);
    expect(id).toMatch(UUID);
    expect(requestIdFrom(header)).not.toBe(id);
  });
});
