import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { log } from "@/lib/log/logger";

export interface StartAnvilOptions {
  port: number;
  chainId: number;
  /** Chain state is loaded from here at start and written back while running and on stop. */
  stateFile?: string;
  /** Seconds between state writes while running (default 2), so a crash loses little. */
  stateIntervalSeconds?: number;
  /** Mine a block every N seconds instead of one per transaction. */
  blockTime?: number;
  /** Let anvil log every RPC call (to the parent's output); off by default. */
  verbose?: boolean;
  startTimeoutMs?: number;
}

export interface AnvilProcess {
  rpcUrl: string;
  pid: number;
  /** SIGTERM, which makes anvil write its state file, then waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const PLATFORM_PACKAGES: Record<string, string | undefined> = {
  "linux-x64": "anvil-linux-amd64",
  "linux-arm64": "anvil-linux-arm64",
  "darwin-x64": "anvil-darwin-amd64",
  "darwin-arm64": "anvil-darwin-arm64",
  "win32-x64": "anvil-win32-amd64",
};

/**
 * The native anvil from @foundry-rs/anvil's platform package. node_modules/.bin/anvil
 * is a Node wrapper around it: it works, but costs a second process and a Node start,
 * so it is only the fallback. ANVIL_BIN overrides both (e.g. a foundryup install).
 */
export function anvilBinary(): string {
  const fromEnv = process.env.ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const exe = process.platform === "win32" ? "anvil.exe" : "anvil";
  const pkg = PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (pkg) {
    for (const base of [import.meta.url, path.join(process.cwd(), "package.json")]) {
      try {
        return createRequire(base).resolve(`@foundry-rs/${pkg}/bin/${exe}`);
      } catch {
        // try the next base, then the wrapper
      }
    }
  }
  const wrapper = path.join(process.cwd(), "node_modules", ".bin", exe);
  if (existsSync(wrapper)) return wrapper;
  throw new Error(
    `anvil not found for ${process.platform}-${process.arch}: install @foundry-rs/anvil or set ANVIL_BIN`,
  );
}

export async function startAnvil(options: StartAnvilOptions): Promise<AnvilProcess> {
  const { port, chainId, stateFile } = options;
  await assertPortFree(port);

  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)];
  if (!options.verbose) args.push("--quiet");
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (stateFile) {
    prepareStateFile(stateFile);
    args.push("--state", stateFile, "--state-interval", String(options.stateIntervalSeconds ?? 2));
  }

  const child = spawn(/*turbopackIgnore: true*/ anvilBinary(), args, {
    stdio: ["ignore", options.verbose ? "inherit" : "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (err) => {
      stderr += String(err);
      resolve(-1);
    });
  });
  // If the parent exits without stop(), still ask anvil to save and quit rather than
  // leave an orphan holding the port. (Signals that kill Node skip this: call stop().)
  const onExit = () => child.kill("SIGTERM");
  process.once("exit", onExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopChild(child, exited).finally(() => process.off("exit", onExit));
    return stopping;
  };

  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    const answered = await waitForRpc(rpcUrl, exited, options.startTimeoutMs ?? 15_000);
    if (answered === "exited") {
      throw new Error(
        /address already in use/i.test(stderr)
          ? `port ${port} is already in use on 127.0.0.1; is another anvil running?`
          : `anvil exited during startup: ${stderr.trim() || "no output"}`,
      );
    }
    if (answered !== chainId) {
      throw new Error(`anvil on port ${port} reports chain id ${answered}, expected ${chainId}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { rpcUrl, pid: child.pid ?? -1, stop };
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = new Promise<"timeout">((resolve) => setTimeout(resolve, 10_000, "timeout"));
  if ((await Promise.race([exited, timer])) === "timeout") {
    child.kill("SIGKILL");
    await exited;
  }
}

async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(
              `port ${port} is already in use on 127.0.0.1; stop whatever holds it (an earlier anvil?) or pick another port`,
            )
          : err,
      );
    });
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** Resolves with the chain id once eth_chainId answers, or "exited" if anvil died first. */
async function waitForRpc(
  rpcUrl: string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<number | "exited"> {
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead) return "exited";
    try {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(1000),
      });
      const body = (await response.json()) as { result?: string };
      if (body.result) return Number(body.result);
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`anvil did not answer on ${rpcUrl} within ${timeoutMs} ms`);
}

/**
 * anvil rewrites its state file in place (truncate, then write), and refuses to start
 * if the file does not parse. So keep a copy of the last good file, and if a crash
 * left a torn one, set it aside and start from the copy instead of not at all.
 */
function prepareStateFile(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const backup = `${file}.bak`;
  if (!existsSync(file)) return;
  if (parsesAsJson(file)) {
    copyFileSync(file, backup);
    return;
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  renameSync(file, aside);
  const restored = existsSync(backup) && parsesAsJson(backup);
  if (restored) copyFileSync(backup, file);
  log().warn(
    { file, movedTo: aside, restored },
    `anvil state was unreadable; ${restored ? "restored the last good copy" : "starting a fresh chain"}`,
  );
}

function parsesAsJson(file: string): boolean {
  try {
    JSON.parse(readFileSync(file, "utf8"));
    return true;
  } catch {
    return false;
  }
}
