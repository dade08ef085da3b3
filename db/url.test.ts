import { describe, expect, it } from "vitest";
import { InvalidPostgresUrl, parsePostgresUrl } from "./url";

describe("parsePostgresUrl", () => {
  it("reads a plain URL as one host, default port 5432", () => {
    const url = parsePostgresUrl("postgres://u:p@db.internal/credits");
    expect(url.hosts).toEqual([{ host: "db.internal", port: 5432 }]);
    expect(url.label).toBe("db.internal:5432/credits");
    expect(url.targetSessionAttrs).toBeNull();
  });

  it("reads a failover pair and rebuilds the URL for each host, credentials and options kept", () => {
    const url = parsePostgresUrl(
      "postgresql://app:s%40cret@10.0.0.1:6001,[::1]:6002,db3/credits?target_session_attrs=read-write&sslmode=require",
    );
    expect(url.hosts).toEqual([
      { host: "10.0.0.1", port: 6001 },
      { host: "::1", port: 6002 },
      { host: "db3", port: 5432 },
    ]);
    expect(url.targetSessionAttrs).toBe("read-write");
    expect(url.withHost({ host: "::1", port: 6002 })).toBe(
      "postgresql://app:s%40cret@[::1]:6002/credits?target_session_attrs=read-write&sslmode=require",
    );
    expect(url.label).toBe("10.0.0.1:6001,[::1]:6002,db3:5432/credits");
    expect(url.label).not.toContain("cret");
  });

  it("accepts target_session_attrs=primary for a host list", () => {
    expect(() =>
      parsePostgresUrl("postgres://a:1,b:2/x?target_session_attrs=primary"),
    ).not.toThrow();
  });

  it.each([
    ["mysql://x/y", /postgres:\/\//],
    ["postgres://a:1,b:2/x", /target_session_attrs=read-write/],
    ["postgres://a:1,b:2/x?target_session_attrs=any", /target_session_attrs=read-write/],
    ["postgres://a:1,,b:2/x?target_session_attrs=read-write", /invalid host ""/],
    ["postgres://a:99999/x", /invalid host "a:99999"/],
    ["postgres://a:1,b:port/x?target_session_attrs=read-write", /invalid host "b:port"/],
    ["postgres://a b/x", /not a valid URL/],
  ])("refuses %s", (text, message) => {
    expect(() => parsePostgresUrl(text)).toThrow(InvalidPostgresUrl);
    expect(() => parsePostgresUrl(text)).toThrow(message);
  });
});
