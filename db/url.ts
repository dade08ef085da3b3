export interface PostgresHost {
  host: string;
  port: number;
}

export interface PostgresUrl {
  /** Every host of the URL in its order; one for a plain URL, several for a failover pair. */
  hosts: PostgresHost[];
  /** `target_session_attrs` as given (libpq's name), if any. */
  targetSessionAttrs: string | null;
  /** The same URL with only `host` in it (credentials, database and options unchanged). */
  withHost(host: PostgresHost): string;
  /** `host:port[,host:port…]/database`, safe to print (no credentials). */
  label: string;
}

/** Session attributes that make a multi-host URL pick the primary only. */
const WRITABLE_ONLY = new Set(["read-write", "primary"]);

export class InvalidPostgresUrl extends Error {
  override name = "InvalidPostgresUrl";
}

/**
 * Parses a `postgres://` URL as libpq and postgres.js read it, including a host list
 * (`postgres://u@h1:5432,h2:5433/db?target_session_attrs=read-write`), which the WHATWG
 * URL parser rejects. A list without `target_session_attrs=read-write` (or `primary`) is
 * refused: the driver would take the first host that answers, possibly a read-only standby.
 */
export function parsePostgresUrl(text: string): PostgresUrl {
  const shape = /^(postgres(?:ql)?:\/\/)([^/?#]*)(.*)$/.exec(text);
  if (!shape) throw new InvalidPostgresUrl("must start with postgres:// or postgresql://");
  const [, scheme = "", authority = "", rest = ""] = shape;
  const at = authority.lastIndexOf("@");
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
  const hostList = authority.slice(at + 1);
  // No host at all (`postgres:///db`) is the driver's default, as before.
  const hosts =
    hostList === "" ? [{ host: "localhost", port: 5432 }] : hostList.split(",").map(parseHost);
  const build = (host: PostgresHost) => `${scheme}${userinfo}${formatHost(host)}${rest}`;
  let url: URL;
  try {
    url = new URL(build(hosts[0] as PostgresHost));
  } catch {
    throw new InvalidPostgresUrl("is not a valid URL");
  }
  const targetSessionAttrs = url.searchParams.get("target_session_attrs");
  if (hosts.length > 1 && !WRITABLE_ONLY.has(targetSessionAttrs ?? "")) {
    throw new InvalidPostgresUrl(
      "lists several hosts: add ?target_session_attrs=read-write so that only the primary is used",
    );
  }
  return {
    hosts,
    targetSessionAttrs,
    withHost: build,
    label: `${hosts.map(formatHost).join(",")}${url.pathname}`,
  };
}

function parseHost(entry: string): PostgresHost {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  const port = Number(match?.[2] ?? 5432);
  if (!match?.[1] || port < 1 || port > 65535) {
    throw new InvalidPostgresUrl(`has an invalid host "${entry}" (expected host or host:port)`);
  }
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}

function formatHost({ host, port }: PostgresHost): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
