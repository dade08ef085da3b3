import { describe, expect, it } from "vitest";
import {
  PUBLIC_ORIGINS,
  SPECIAL_V4,
  SPECIAL_V6,
  specialOriginUrls,
} from "@/test/helpers/ssrf-table";
import { isLoopbackHost, isPublicAddress, specialRangeOf } from "./address-policy";

/** The address a URL's host names, as the gateway's connector sees it. */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, "");

describe("address policy", () => {
  it.each(specialOriginUrls(8080))("%s as %s (%s) is not public", (_range, _form, url) => {
    const host = hostOf(url);
    expect(isPublicAddress(host)).toBe(false);
    expect(specialRangeOf(host)).not.toBeNull();
  });

  it.each([...SPECIAL_V4, ...SPECIAL_V6])("%s %s is not public", (_range, address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(PUBLIC_ORIGINS)("%s is public", (url) => {
    expect(isPublicAddress(hostOf(url).replace(/\.$/, ""))).toBe(true);
  });

  it.each([
    ["172.15.255.255", true],
    ["172.32.0.0", true],
    ["100.63.255.255", true],
    ["100.128.0.0", true],
    ["169.253.255.255", true],
    ["11.0.0.1", true],
    ["2001:4860:4860::8888", true],
    ["fbff::1", false],
  ])("range edges: %s public = %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });

  it("throws on text that is not an address (the caller resolves names first)", () => {
    expect(() => specialRangeOf("example.com")).toThrow();
  });

  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["::1", true],
    ["[::1]", true],
    ["localhost", true],
    ["LOCALHOST.", true],
    ["api.localhost", true],
    ["0.0.0.0", false],
    ["::", false],
    ["192.168.1.2", false],
    ["example.com", false],
  ])("isLoopbackHost(%s) = %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});
