import { spawn } from "node:child_process";

/**
 * `npm start`'s script (scripts/start.mjs: build when needed, then the bundled server) with
 * only the given environment, as an operator runs it; resolves once its banner is out.
 */
export async function startAppProcess(env: Record<string, string>, timeoutMs = 600_000) {
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      ...env,
    } as Record<string, string> as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  for (const deadline = Date.now() + timeoutMs; !output.includes("is running"); ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the app did not start:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    /** SIGTERM, then SIGKILL after 15 s; resolves to the exit code. */
    async stop(): Promise<number | null> {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export type AppProcess = Awaited<ReturnType<typeof startAppProcess>>;
