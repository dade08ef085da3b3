import { validateDiscoveryExtension } from "@x402/extensions/bazaar";
import { describe, expect, it } from "vitest";
import { bazaarExtension } from "./bazaar";

describe("bazaarExtension", () => {
  it("declares a route's fields, and stays small when they would not fit a request header", () => {
    const fields = (n: number, words: number) =>
      Array.from({ length: n }, (_, i) => ({
        name: `field${i}`,
        type: "string",
        required: i === 0,
        description: "word ".repeat(words).trim(),
      }));
    const route = (n: number, words: number) => ({
      path: "/analyze",
      method: "POST" as const,
      requestBody: { contentType: "application/json", fields: fields(n, words) },
    });
    const small = bazaarExtension({ method: "POST", path: "/e/x/analyze", route: route(3, 3) });
    expect(small.bazaar?.info.input).toMatchObject({ body: { field0: "", field2: "" } });

    const huge = bazaarExtension({ method: "POST", path: "/e/x/analyze", route: route(50, 99) });
    expect(JSON.stringify(huge).length).toBeLessThan(3072);
    expect(huge.bazaar).toMatchObject({
      info: { input: { method: "POST", body: {} } },
      routeTemplate: "/e/x/analyze",
    });
    for (const ext of [small.bazaar, huge.bazaar])
      expect(ext && validateDiscoveryExtension(ext)).toEqual({ valid: true });
  });

  it("describes only the methods Bazaar knows", () => {
    expect(bazaarExtension({ method: "OPTIONS", path: "/e/x" })).toEqual({});
    expect(bazaarExtension({ method: "HEAD", path: "/e/x" }).bazaar?.info.input).toMatchObject({
      method: "HEAD",
    });
  });

  it("leaves out a route template catalogs would refuse", () => {
    const ext = bazaarExtension({ method: "GET", path: "/e/x/a%2Fb/../c" });
    expect(ext.bazaar).not.toHaveProperty("routeTemplate");
  });
});
