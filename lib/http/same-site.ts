import { ApiError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request a browser sent from another origin. SameSite=Lax keeps
 * the session cookie off cross-site POSTs, but not off those of sibling subdomains ("same
 * site"), and a sign-in needs no cookie at all (login CSRF); the Origin header, or
 * Sec-Fetch-Site where only that is sent, tells them apart. Callers that are not browsers
 * send neither and pass.
 */
export function refuseCrossSite(request: Request, publicUrl: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get("origin");
  const fetchSite = request.headers.get("sec-fetch-site");
  const ours = new URL(publicUrl).origin;
  if ((origin !== null && origin !== ours) || fetchSite === "cross-site") {
    throw new ApiError("forbidden", `Requests with a session must come from ${ours}.`);
  }
}
