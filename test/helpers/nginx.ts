import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { runAs } from "./os-user";

export const NGINX = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const DEPLOY_CONF = path.join(process.cwd(), "deploy", "nginx.conf");

/**
 * deploy/nginx.conf as shipped, with only its listen port and its two upstream servers
 * replaced: the config under test is the one operators copy.
 */
export function deployConfig(listenPort: number, nodePorts: [number, number]): string {
  let servers = 0;
  const text = readFileSync(DEPLOY_CONF, "utf8")
    .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${listenPort};`)
    .replace(/^(\s*)server 127\.0\.0\.1:(3001|3002)\b/gm, (_, indent: string, port: string) => {
      servers++;
      return `${indent}server 127.0.0.1:${nodePorts[port === "3001" ? 0 : 1]}`;
    });
  if (servers !== 2 || !text.includes(`listen 127.0.0.1:${listenPort};`)) {
    throw new Error("deploy/nginx.conf no longer has `listen 80;` and the two example servers");
  }
  return text;
}

/**
 * nginx in the foreground with a prefix of its own under the temp dir (pid, temp files,
 * logs), never the system's. Under root it runs as `nobody`. The access log records which
 * node answered each request.
 */
export async function startNginx(listenPort: number, nodePorts: [number, number]) {
  const prefix = mkdtempSync(path.join(tmpdir(), "x402-nginx-"));
  for (const dir of ["body", "proxy", "fastcgi", "uwsgi", "scgi"])
    mkdirSync(path.join(prefix, dir));
  writeFileSync(path.join(prefix, "x402-credits.conf"), deployConfig(listenPort, nodePorts));
  const accessLog = path.join(prefix, "access.log");
  writeFileSync(
    path.join(prefix, "nginx.conf"),
    `daemon off;
pid ${prefix}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  log_format node '$upstream_addr $status $request_method $request_uri';
  access_log ${accessLog} node;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  include ${prefix}/x402-credits.conf;
}
`,
  );
  const owner = runAs("nobody");
  if (owner) execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, prefix]);
  let output = "";
  const child: ChildProcess = spawn(
    NGINX,
    ["-p", prefix, "-c", path.join(prefix, "nginx.conf"), "-e", "stderr"],
    { stdio: ["ignore", "pipe", "pipe"], ...(owner && { uid: owner.uid, gid: owner.gid }) },
  );
  child.stdout?.on("data", (d: Buffer) => (output += d));
  child.stderr?.on("data", (d: Buffer) => (output += d));
  for (const deadline = Date.now() + 10_000; !(await accepts(listenPort)); ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`nginx did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${listenPort}`,
    /** Each logged request: which node answered it ("-" when none did) and the status. */
    log(): { node: string; status: number; method: string; uri: string }[] {
      return readFileSync(accessLog, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [node = "", status = "0", method = "", uri = ""] = line.split(" ");
          return { node, status: Number(status), method, uri };
        });
    },
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGQUIT");
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
