import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { requestIdFrom, stampRequestId } from "./request-id";

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

describe("stampRequestId", () => {
  function request(raw: string[]) {
    const req = new IncomingMessage(new Socket());
    req.rawHeaders = raw;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const prior = req.headers[name];
      req.headers[name] = prior === undefined ? raw[i + 1] : `${String(prior)}, ${raw[i + 1]}`;
    }
    return req;
  }

  it("leaves one id in both header views: the caller's when well-formed", () => {
    const req = request(["Host", "x", "X-Request-Id", "abc-1", "Accept", "*/*"]);
    expect(stampRequestId(req)).toBe("abc-1");
    expect(req.headers["x-request-id"]).toBe("abc-1");
    expect(req.rawHeaders).toEqual(["Host", "x", "Accept", "*/*", "X-Request-Id", "abc-1"]);
  });

  it("replaces every copy of a repeated or malformed id with one fresh id", () => {
    const req = request(["x-request-id", "a", "Host", "x", "X-REQUEST-ID", "b"]);
    const id = stampRequestId(req);
    expect(id).toMatch(UUID);
    expect(req.headers["x-request-id"]).toBe(id);
    expect(req.rawHeaders).toEqual(["Host", "x", "X-Request-Id", id]);
  });
});
