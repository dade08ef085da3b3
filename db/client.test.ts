import { chmodSync, mkdirSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./client";

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
