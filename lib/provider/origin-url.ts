import { type LookupAddress, lookup } from "node:dns";
import type { AppContext } from "@/lib/app/context";
import { ApiError } from "@/lib/http/errors";
import { isIpAddress, isLoopbackHost, specialRangeOf } from "@/lib/net/address-policy";
import type { ResolveAll } from "@/lib/net/guarded-connect";

/**
 * Validates a provider's origin URL: http(s), no credentials or fragment in it, and (unless
 * private origins are allowed) a host that neither is nor resolves to a special-purpose
 * address. The URL is parsed as WHATWG does (as the gateway will), so `2130706433`,
 * `0x7f.1` or `[::ffff:127.0.0.1]` are seen as the addresses they are. This check only
 * gives the provider an early, clear answer: the gateway checks again, on every address it
 * connects to, so DNS that changes its answer later gains nothing.
 */
export async function validateOriginUrl(
  raw: string,
  ctx: Pick<AppContext, "config" | "resolveOrigin">,
): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid("is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw invalid("must use http or https");
  if (url.username || url.password) throw invalid("must not contain credentials");
  if (url.hash) throw invalid("must not contain a fragment");
  const normal = url.toString().replace(/\/+$/, "");
  if (ctx.config.allowPrivateOrigins) return normal;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isLoopbackHost(host)) throw invalid("must not point at this machine");
  const addresses = isIpAddress(host) ? [host] : await resolve(host, ctx.resolveOrigin ?? lookup);
  for (const address of addresses) {
    const range = specialRangeOf(address);
    if (range)
      throw invalid(
        `must not point at a private or special-purpose address (${address}: ${range})`,
      );
  }
  return normal;
}

function resolve(host: string, resolveAll: ResolveAll): Promise<string[]> {
  return new Promise((done, fail) => {
    resolveAll(host, { all: true, family: 0 }, (err, addresses: LookupAddress[]) => {
      if (err || addresses.length === 0)
        fail(invalid(`has a host (${host}) that does not resolve`));
      else done(addresses.map((a) => a.address));
    });
  });
}

function invalid(why: string): ApiError {
  return new ApiError("invalid_field", `Field "originUrl" ${why}.`);
}
