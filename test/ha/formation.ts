import { type ChildProcess, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { runAs } from "@/test/helpers/os-user";

/** How pg_auto_failover's monitor sees one node. */
export interface NodeState {
  name: string;
  port: number;
  reported: string;
  assigned: string;
}

export interface FormationNode {
  name: string;
  port: number;
  pgdata: string;
}

/**
 * A pg_auto_failover formation on this machine: a monitor, a primary and a hot standby
 * (synchronous replication, as pg_auto_failover sets it up for two nodes), each on a free
 * loopback port with its data under one temp dir. pg_autoctl refuses to run as root, so
 * under root every pg_autoctl runs as the `postgres` OS user.
 */
export async function startFormation(log: (line: string) => void = () => {}) {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), "x402-ha-"));
  const owner = runAs("postgres");
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const env = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: dir,
    // pg_autoctl keeps its own state under XDG dirs: inside the temp dir, not the user's home.
    XDG_CONFIG_HOME: path.join(dir, "config"),
    XDG_DATA_HOME: path.join(dir, "share"),
    PG_CONFIG: path.join(bin, "pg_config"),
  } as Record<string, string> as NodeJS.ProcessEnv;
  const children: ChildProcess[] = [];
  const output: string[] = [];
  const autoctl = (name: string, args: string[]) => {
    const child = spawn("pg_autoctl", args, {
      env,
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
      ...(owner && { uid: owner.uid, gid: owner.gid }),
    });
    for (const stream of [child.stdout, child.stderr])
      stream?.on("data", (d: Buffer) => output.push(`[${name}] ${d}`));
    children.push(child);
    return child;
  };

  const monitorPort = await freeLoopbackPort();
  const monitorUrl = `postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`;
  const common = ["--hostname", "127.0.0.1", "--auth", "trust", "--no-ssl"];
  const pgctl = ["--pgctl", path.join(bin, "pg_ctl")];
  autoctl("monitor", [
    "create",
    "monitor",
    "--pgdata",
    path.join(dir, "monitor"),
    "--pgport",
    String(monitorPort),
    ...pgctl,
    ...common,
    "--run",
  ]);
  const monitor = postgres(monitorUrl, { max: 1, onnotice: () => {}, connect_timeout: 2 });

  const nodes: FormationNode[] = [];
  const addNode = async (name: string) => {
    const node = { name, port: await freeLoopbackPort(), pgdata: path.join(dir, name) };
    nodes.push(node);
    autoctl(name, [
      "create",
      "postgres",
      "--pgdata",
      node.pgdata,
      "--pgport",
      String(node.port),
      "--listen",
      "127.0.0.1",
      "--name",
      name,
      "--dbname",
      "app",
      "--monitor",
      `postgres://autoctl_node@127.0.0.1:${monitorPort}/pg_auto_failover?sslmode=disable`,
      ...pgctl,
      ...common,
      "--run",
    ]);
    return node;
  };

  const states = async (): Promise<NodeState[]> => {
    const rows = await monitor<
      { nodename: string; nodeport: number; reportedstate: string; goalstate: string }[]
    >`select nodename, nodeport, reportedstate::text, goalstate::text
      from pgautofailover.node order by nodeid`;
    return rows.map((r) => ({
      name: r.nodename,
      port: r.nodeport,
      reported: r.reportedstate,
      assigned: r.goalstate,
    }));
  };
  const waitFor = async (what: string, ok: (s: NodeState[]) => boolean, ms = 180_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const current = await states().catch(() => [] as NodeState[]);
      if (ok(current)) return current;
      if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
        throw new Error(`formation: ${what} not reached\n${output.join("").slice(-4000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const stable = (s: NodeState[]) =>
    s.length === 2 &&
    s.every((n) => n.reported === n.assigned) &&
    s.some((n) => n.reported === "primary") &&
    s.some((n) => n.reported === "secondary");

  const stop = async () => {
    await monitor.end({ timeout: 1 }).catch(() => {});
    // The keepers first, so that nothing restarts or promotes while we stop.
    for (const child of [...children].reverse()) await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const first = await addNode("node1");
    await waitFor("node1 single", (s) =>
      s.some((n) => n.name === "node1" && n.reported === "single"),
    );
    log(`node1 is up (single) on port ${first.port}; creating node2 from a base backup`);
    await addNode("node2");
    // pg_basebackup waits for the primary's next checkpoint (spread over minutes by
    // default); ask for it now so the standby is made in seconds.
    const nudge = setInterval(() => void checkpoint(first.port), 2_000);
    try {
      const ready = await waitFor("primary + secondary", stable);
      log(`formation: ${ready.map((n) => `${n.name}:${n.port} ${n.reported}`).join(", ")}`);
    } finally {
      clearInterval(nudge);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  const primary = async () => {
    const current = await states();
    const name = current.find((n) => n.reported === "primary")?.name;
    return nodes.find((n) => n.name === name);
  };
  return {
    dir,
    nodes,
    /** What the app is given: both hosts, and only the writable one is used. */
    url: `postgres://postgres@${nodes.map((n) => `127.0.0.1:${n.port}`).join(",")}/app?target_session_attrs=read-write`,
    nodeUrl: (node: FormationNode) => `postgres://postgres@127.0.0.1:${node.port}/app`,
    states,
    primary,
    /** Waits until the formation is a primary and a secondary again. */
    waitStable: (ms?: number) => waitFor("primary + secondary", stable, ms),
    waitFor,
    /** SIGKILL to a node's postmaster: its backends die with it, nothing is shut down cleanly. */
    killPostmaster(node: FormationNode): number {
      const pid = Number(
        readFileSync(path.join(node.pgdata, "postmaster.pid"), "utf8").split("\n")[0],
      );
      process.kill(pid, "SIGKILL");
      return pid;
    },
    output: () => output.join(""),
    stop,
  };
}

export type Formation = Awaited<ReturnType<typeof startFormation>>;

async function checkpoint(port: number): Promise<void> {
  const sql = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, {
    max: 1,
    onnotice: () => {},
    connect_timeout: 2,
  });
  await sql`checkpoint`.catch(() => {});
  await sql.end({ timeout: 1 });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** The bin dir of the PostgreSQL major that has the pg_auto_failover extension installed. */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const major = majors.find((m) => existsSync(path.join(root, m, "lib", "pgautofailover.so")));
  if (!major) throw new Error("pg_auto_failover is not installed (run npm run test:ha)");
  return path.join(root, major, "bin");
}
