// Regenerates the committed contract artifacts: npx tsx lib/chain/build-token.ts
// They are committed because solc-js takes seconds per compile, too slow for every
// start; artifacts.test.ts recompiles and fails if one no longer matches its source.
import { writeFileSync } from "node:fs";
import { CONTRACTS_DIR, compileContract } from "./compile";

const ARTIFACT_CONTRACTS = ["TestUSDC", "Multicall3"] as const;

for (const name of ARTIFACT_CONTRACTS) {
  const artifact = compileContract(name);
  const file = `${CONTRACTS_DIR}${name}.json`;
  writeFileSync(file, `${JSON.stringify(artifact, null, 2)}\n`);
  console.log(
    `wrote ${file} (source sha256 ${artifact.sourceHash.slice(0, 12)}…, ${artifact.compiler})`,
  );
}
