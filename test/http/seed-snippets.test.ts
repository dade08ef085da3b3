import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningApp } from "@/lib/server/start";
import { createEndpoint, fundedWallet } from "@/test/helpers/endpoints";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { startTestApp } from "@/test/helpers/server";

const run = promisify(execFile);
const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";

/** A python3 that has `requests` (CI installs Debian's python3-requests when none does). */
function pythonWithRequests(): string {
  for (const candidate of [process.env.PYTHON ?? "python3", "/usr/bin/python3"]) {
    try {
      execFileSync(candidate, ["-c", "import requests"], { stdio: "ignore" });
      return candidate;
    } catch {}
  }
  throw new Error("no python3 with `requests`: apt-get install -y python3-requests");
}

describe.each(["fast", "next"] as const)("the seed protocol's own snippets (%s door)", (door) => {
  let app: RunningApp;
  let origin: Origin;
  let ep: Awaited<ReturnType<typeof createEndpoint>>;

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door, target });
    ep = await createEndpoint(app.ctx, origin.url);
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  it("JavaScript: fetch with the wallet header is served, then told to top up", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 1n);
    const call = async () =>
      JSON.parse(
        (
          await run(process.execPath, [
            "test/snippets/credit-endpoint.mjs",
            `${app.url}/e/${ep.slug}/ai`,
            wallet,
          ])
        ).stdout,
      ) as { data?: { body: string }; topUp?: { purchaseUrl: string; accepts: unknown[] } };
    expect((await call()).data?.body).toBe('{"prompt":"Hello AI"}');
    const second = await call();
    expect(second.topUp?.purchaseUrl).toContain(`endpoint=${ep.slug}`);
    expect(second.topUp?.accepts).toHaveLength(1);
  });

  it("Python: requests.get for the balance and requests.post for a call", async () => {
    const wallet = await fundedWallet(app.ctx, ep.id, 5n);
    const { stdout } = await run(pythonWithRequests(), [
      "test/snippets/credit_endpoint.py",
      app.url,
      ep.slug,
      wallet,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      balance: { credits: 5, endpoint: ep.slug },
      status: 200,
      charged: "1",
      body: { method: "POST", body: '{"prompt": "Hello AI"}' },
    });
  });
});
