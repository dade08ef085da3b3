import { chmodSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { isConnectionFailure } from "@/lib/ledger";
import { freeLoopbackPort } from "@/lib/net/free-port";
import { openTestDatabase, TEST_DATABASE_URL } from "@/test/helpers/databases";
import { startTcpProxy } from "@/test/helpers/tcp-proxy";
import { openDatabase } from "./client";

const onPostgres = inject("dbTargets").includes("postgres");

/** Settles `promise` or says it was still waiting after `ms`. */
async function within<T>(ms: number, promise: Promise<T>) {
  const started = Date.now();
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ kind: "resolved" as const, value }),
      (error: unknown) => ({ kind: "rejected" as const, error }),
    ),
    new Promise<{ kind: "hung" }>((r) => setTimeout(() => r({ kind: "hung" }), ms)),
  ]);
  return { ...outcome, ms: Date.now() - started };
}

const pair = (a: number, b: number, database: string) =>
  `postgres://postgres@127.0.0.1:${a},127.0.0.1:${b}/${database}?target_session_attrs=read-write`;

// A failover pair (host1,host2 + target_session_attrs=read-write) as pg_auto_failover gives
// it; the two "hosts" are ports in front of the test server. test:ha runs a real one.
describe.runIf(onPostgres)("openDatabase on a failover pair", () => {
  const server = new URL(TEST_DATABASE_URL);
  const serverPort = Number(server.port || 5432);
  let readOnly: string;
  let admin: postgres.Sql;

  beforeAll(async () => {
    admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    readOnly = `x402_ro_${process.pid}`;
    await admin.unsafe(`drop database if exists ${readOnly}`);
    await admin.unsafe(`create database ${readOnly}`);
    await admin.unsafe(`alter database ${readOnly} set default_transaction_read_only = on`);
  });
  afterAll(async () => {
    await admin?.unsafe(`drop database if exists ${readOnly} with (force)`);
    await admin?.end();
  });

  it.each([
    ["", "plain"],
    ["&sslmode=require", "TLS"],
  ])("fails fast, with a connection error, when no host is up (%s%s)", async (options) => {
    const url = pair(await freeLoopbackPort(), await freeLoopbackPort(), "x") + options;
    const outcome = await within(5_000, openDatabase({ kind: "postgres", url }));
    expect(outcome.kind).toBe("rejected");
    if (outcome.kind === "rejected") expect(isConnectionFailure(outcome.error)).toBe(true);
  });

  it("fails fast when the only host up takes no writes (a standby, or read-only)", async () => {
    const url = pair(await freeLoopbackPort(), serverPort, readOnly);
    const outcome = await within(5_000, openDatabase({ kind: "postgres", url }));
    expect(outcome.kind).toBe("rejected");
    if (outcome.kind === "rejected") expect(isConnectionFailure(outcome.error)).toBe(true);
  });

  /** A fresh test database behind two proxies, as the two hosts of a failover pair. */
  async function withPair(
    run: (
      hosts: [Awaited<ReturnType<typeof startTcpProxy>>, Awaited<ReturnType<typeof startTcpProxy>>],
      url: string,
      name: string,
    ) => Promise<void>,
  ) {
    const test = await openTestDatabase("postgres");
    const first = await startTcpProxy("127.0.0.1", serverPort);
    const second = await startTcpProxy("127.0.0.1", serverPort);
    const name = new URL(test.url as string).pathname.slice(1);
    try {
      await run([first, second], pair(first.port, second.port, name), name);
    } finally {
      await first.close();
      await second.close();
      await test.close();
    }
  }

  it("serves again within a second or so once a host takes writes after a spell with none", () =>
    withPair(async ([first, second], url) => {
      const database = await openDatabase({ kind: "postgres", url, poolMax: 2 });
      try {
        await first.down();
        await second.down();
        for (let i = 0; i < 10; i++) {
          const outcome = await within(3_000, database.query("select 1", []));
          expect(outcome.kind).toBe("rejected");
        }
        await second.restore();
        const back = Date.now();
        let answered = false;
        while (!answered && Date.now() - back < 10_000) {
          const outcome = await within(10_000, database.query("select 1 as one", []));
          answered = outcome.kind === "resolved";
        }
        expect(answered).toBe(true);
        expect(Date.now() - back).toBeLessThan(2_000);
      } finally {
        await database.close();
      }
    }));

  it("uses the host that takes writes, and moves to the other when it dies", () =>
    withPair(async ([first, second], url, name) => {
      await second.down();
      const database = await openDatabase({ kind: "postgres", url, poolMax: 2 });
      try {
        expect(database.label).toBe(
          `PostgreSQL at 127.0.0.1:${first.port},127.0.0.1:${second.port}/${name}`,
        );
        expect(await database.query("select 1 as one", [])).toEqual([{ one: 1 }]);

        await second.restore();
        await first.down();
        let answered: unknown;
        for (const deadline = Date.now() + 3_000; !answered && Date.now() < deadline; ) {
          answered = await database.query("select 2 as two", []).catch(() => undefined);
        }
        expect(answered).toEqual([{ two: 2 }]);
      } finally {
        await database.close();
      }
    }));
});

describe.runIf(onPostgres)("openDatabase after an outage", () => {
  it("reconnects within about a second once the server is back, however long it was away", async () => {
    const test = await openTestDatabase("postgres");
    const url = new URL(test.url as string);
    const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
    url.port = String(proxy.port);
    const database = await openDatabase({ kind: "postgres", url: url.toString(), poolMax: 2 });
    try {
      expect(await database.query("select 1 as one", [])).toEqual([{ one: 1 }]);
      // Six seconds of failed attempts, as callers keep trying through a failover.
      await proxy.down();
      for (const end = Date.now() + 6_000; Date.now() < end; ) {
        await database.query("select 1", []).catch(() => {});
        await new Promise((r) => setTimeout(r, 50));
      }
      await proxy.restore();
      const back = Date.now();
      let answered = false;
      while (!answered && Date.now() - back < 30_000) {
        answered = await within(30_000, database.query("select 1", [])).then(
          (o) => o.kind === "resolved",
        );
      }
      expect(answered).toBe(true);
      expect(Date.now() - back).toBeLessThan(1_500);
    } finally {
      await database.close();
      await proxy.close();
      await test.close();
    }
  });
});

const mode = (p: string) => statSync(p).mode & 0o777;

describe("the PGlite directory", () => {
  it("is created 0700: the database files are nobody else's to read", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "x402-pglite-")), "a", "pglite");
    const database = await openDatabase({ kind: "pglite", dir });
    try {
      expect(mode(dir)).toBe(0o700);
    } finally {
      await database.close();
    }
  });

  it("an existing world-readable directory is tightened to 0700", async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), "x402-pglite-")), "pglite");
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const database = await openDatabase({ kind: "pglite", dir });
    try {
      expect(mode(dir)).toBe(0o700);
    } finally {
      await database.close();
    }
  });
});
