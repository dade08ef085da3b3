/**
 * Security headers. Pages get a CSP with a per-response script nonce (Next.js reads it from
 * the request's own Content-Security-Policy header and puts it on every script it emits);
 * every other answer gets one that allows nothing, since JSON never needs to run or load.
 */

/**
 * For answers that are data, not documents (our JSON, and every origin answer the gateway
 * relays): if a browser opens one it is an opaque sandboxed document (no scripts, no
 * cookies, no same-origin access), nothing may load, nothing may frame it.
 */
export const DATA_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'";

/** Headers every answer carries. HSTS only when the public origin is https. */
export function baseSecurityHeaders(https: boolean): [string, string][] {
  const headers: [string, string][] = [
    ["x-content-type-options", "nosniff"],
    ["referrer-policy", "strict-origin-when-cross-origin"],
    // For browsers without CSP frame-ancestors.
    ["x-frame-options", "DENY"],
  ];
  if (https) headers.push(["strict-transport-security", "max-age=31536000; includeSubDomains"]);
  return headers;
}

export interface PageCspOptions {
  nonce: string;
  https: boolean;
  /** Origins the browser's wallet code talks to besides this server (the chain's RPC). */
  rpcOrigins: string[];
  /** WalletConnect is offered: its relay, verify iframe, images and fonts are allowed. */
  walletConnect: boolean;
}

// Coinbase Wallet's SDK (always offered) opens keys.coinbase.com in a popup, which CSP does
// not govern; from the page it only calls Coinbase's APIs and the walletlink socket.
const COINBASE_CONNECT = ["https://*.coinbase.com", "wss://www.walletlink.org"];
const WALLETCONNECT = {
  connect: [
    "https://*.walletconnect.com",
    "https://*.walletconnect.org",
    "wss://relay.walletconnect.com",
    "wss://relay.walletconnect.org",
    "https://*.web3modal.org",
    "https://*.web3modal.com",
    "https://*.reown.com",
  ],
  frame: ["https://*.walletconnect.com", "https://*.walletconnect.org", "https://*.reown.com"],
  img: [
    "https://*.walletconnect.com",
    "https://*.walletconnect.org",
    "https://*.web3modal.org",
    "https://*.web3modal.com",
    "https://*.reown.com",
  ],
  font: ["https://fonts.reown.com"],
};

/**
 * The page CSP. Scripts: only those carrying this response's nonce, and what they load
 * ('strict-dynamic': the lazily imported wallet SDK chunks); no inline handlers, no eval.
 * Styles allow inline: React renders `style` attributes that no nonce can cover, and
 * the wallet modals inject theirs.
 */
export function pageCsp(o: PageCspOptions): string {
  const wc = o.walletConnect;
  const directives: [string, string[]][] = [
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", `'nonce-${o.nonce}'`, "'strict-dynamic'"]],
    ["style-src", ["'self'", "'unsafe-inline'"]],
    ["img-src", ["'self'", "data:", "blob:", ...(wc ? WALLETCONNECT.img : [])]],
    ["font-src", ["'self'", "data:", ...(wc ? WALLETCONNECT.font : [])]],
    [
      "connect-src",
      ["'self'", ...o.rpcOrigins, ...COINBASE_CONNECT, ...(wc ? WALLETCONNECT.connect : [])],
    ],
    ["frame-src", wc ? WALLETCONNECT.frame : ["'none'"]],
    ["worker-src", ["'self'", "blob:"]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'none'"]],
    ["form-action", ["'self'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  if (o.https) directives.push(["upgrade-insecure-requests", []]);
  return directives.map(([name, values]) => [name, ...new Set(values)].join(" ")).join("; ");
}

/** The script nonce a page's request carries (set by the server), for inline scripts. */
export function requestNonce(headers: { get(name: string): string | null }): string | undefined {
  return /'nonce-([A-Za-z0-9+/_-]+={0,2})'/.exec(headers.get("content-security-policy") ?? "")?.[1];
}
