import { randomBytes } from "node:crypto";
import { base, baseSepolia } from "viem/chains";
import type { AppContext } from "@/lib/app/context";
import { DATA_CSP, pageCsp } from "@/lib/http/security-headers";
import type { NextHandler } from "./http-server";

/** Paths whose answers are data (JSON, CSV, text), never a document that runs anything. */
const DATA_PATH =
  /^\/(api|e)(\/|$)|^\/(\.well-known\/|openapi\.json$|llms\.txt$|healthz$|readyz$|metrics$)/;
/** Next's build output: scripts and styles, which the page's CSP governs, not their own. */
const ASSET_PATH = /^\/_next\//;

const KNOWN_RPC: Record<number, string | undefined> = {
  [base.id]: base.rpcUrls.default.http[0],
  [baseSepolia.id]: baseSepolia.rpcUrls.default.http[0],
};

/** Where the dashboard's wallet code sends JSON-RPC (lib/wagmi.ts's transport). */
function browserRpcOrigins(ctx: AppContext): string[] {
  const url = ctx.config.chain.devnet ? ctx.chain.rpcUrl : KNOWN_RPC[ctx.payments.chainId];
  return url && URL.canParse(url) ? [new URL(url).origin] : [];
}

/**
 * Wraps Next's request handler so each page gets a CSP with a fresh script nonce. Next.js
 * reads the nonce from the request's own Content-Security-Policy header and sets it on
 * every script it renders (and the layout on its inline one), so the header is set on the
 * request as well as on the answer; whatever the caller sent under that name is dropped.
 */
export function withPageSecurity(ctx: AppContext, next: NextHandler): NextHandler {
  const https = ctx.config.publicUrl.startsWith("https:");
  const rpcOrigins = browserRpcOrigins(ctx);
  const walletConnect = ctx.config.walletConnectProjectId !== undefined;
  return (req, res) => {
    delete req.headers["content-security-policy"];
    delete req.headers["content-security-policy-report-only"];
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (DATA_PATH.test(path)) res.setHeader("content-security-policy", DATA_CSP);
    else if (!ASSET_PATH.test(path)) {
      const nonce = randomBytes(16).toString("base64");
      const csp = pageCsp({ nonce, https, rpcOrigins, walletConnect });
      req.headers["content-security-policy"] = csp;
      res.setHeader("content-security-policy", csp);
    }
    return next(req, res);
  };
}
