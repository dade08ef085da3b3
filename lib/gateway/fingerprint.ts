import { createHash } from "node:crypto";

/**
 * What an Idempotency-Key stands for: method, path, query and the body's digest. The same
 * key with another fingerprint is a different request (422), never a replay of the first.
 */
export function requestFingerprint(
  method: string,
  pathAndQuery: string,
  body: Buffer | undefined,
): string {
  const bodyDigest = createHash("sha256")
    .update(body ?? Buffer.alloc(0))
    .digest("hex");
  return createHash("sha256")
    .update(`${method.toUpperCase()}\n${pathAndQuery}\n${bodyDigest}`)
    .digest("base64url");
}
