// @ts-check
// `npm start`: build when needed, then run the bundled server (lib/server/main.ts).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensureBuild, SERVER_BUNDLE } from "./ensure-build.mjs";

const root = path.resolve(import.meta.dirname, "..");
try {
  ensureBuild(root);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
await import(pathToFileURL(path.join(root, SERVER_BUNDLE)).href);
