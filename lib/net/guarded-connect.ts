import {
  lookup as dnsLookup,
  type LookupAddress,
  type LookupAllOptions,
  type LookupOptions,
} from "node:dns";
import { isIP } from "node:net";
import { buildConnector } from "undici";
import { isPublicAddress } from "./address-policy";

/** dns.lookup's shape, always asked for every address (tests hand in their own resolver). */
export type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

export const ADDRESS_REFUSED = "ERR_ORIGIN_ADDRESS_REFUSED";

/** The origin is, or resolved to, an address outside global unicast. */
export class AddressRefusedError extends Error {
  override name = "AddressRefusedError";
  readonly code = ADDRESS_REFUSED;
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} is ${address}, a non-public address`);
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * An undici connector that checks the address each socket is actually opened to, so a
 * hostname that resolved to a public address when the origin was saved and to 127.0.0.1
 * now (DNS rebinding) is still refused. IP literals never reach `lookup` (net.connect skips
 * it for them), so they are checked here first; names are resolved once, every answer is
 * checked (one private answer refuses them all), and the socket connects to those answers.
 */
export function guardedConnector(opts: {
  timeout: number;
  resolve?: ResolveAll;
}): buildConnector.connector {
  const resolve: ResolveAll = opts.resolve ?? dnsLookup;
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const refused = addresses.find((a) => !isPublicAddress(a.address));
      if (refused) return callback(new AddressRefusedError(hostname, refused.address), []);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error("no address"), { code: "ENOTFOUND" }), []);
      if (options.all) return callback(null, addresses);
      callback(null, first.address, first.family);
    });
  };
  const connect = buildConnector({ timeout: opts.timeout, lookup });
  return (options, callback) => {
    if (isIP(options.hostname) && !isPublicAddress(options.hostname)) {
      return callback(new AddressRefusedError(options.hostname, options.hostname), null);
    }
    connect(options, callback);
  };
}
