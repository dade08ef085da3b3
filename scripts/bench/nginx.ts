import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { processTree, startChild } from "./procs";
import { freePort, type System } from "./systems";

/** Debian's uid/gid of nobody and nogroup: nginx is started as them when the bench is root. */
const NOBODY = 65534;

/**
 * nginx (`binary`) as a reverse proxy to `originPort` with a keep-alive upstream pool and
 * `workers` worker processes: its own config, pid, log and temp directory (`dir`, for the
 * caller to remove), no access log, as a non-root process. Resolves once it answers.
 */
export async function startNginx(o: {
  binary: string;
  originPort: number;
  workers: number;
}): Promise<System & { dir: string }> {
  const port = await freePort();
  const root = process.getuid?.() === 0;
  // Not inside the bench's own (private) scratch directory: nginx must reach it.
  const dir = mkdtempSync(path.join(tmpdir(), "x402-bench-nginx-"));
  // nginx creates its temp directories in it.
  if (root) chownSync(dir, NOBODY, NOBODY);
  const conf = path.join(dir, "nginx.conf");
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join(" ");
  writeFileSync(
    conf,
    `daemon off;
worker_processes ${o.workers};
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 4096; }
http {
  access_log off;
  ${temp}
  upstream origin { server 127.0.0.1:${o.originPort}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const { child } = await startChild("nginx", o.binary, ["-p", dir, "-c", conf, "-e", "stderr"], {
    env: { NODE_ENV: "production", PATH: process.env.PATH ?? "" },
    ...(root ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 10_000;
  for (;;) {
    const answered = await fetch(`${url}/__ready`)
      .then((res) => res.arrayBuffer().then(() => res.ok))
      .catch(() => false);
    if (answered) return { url, pids: processTree(child.pid, "nginx"), dir };
    if (performance.now() > deadline) {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not answer within 10 s:\n${child.errors().join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
