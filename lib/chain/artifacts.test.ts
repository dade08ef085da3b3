import { type AbiFunction, toFunctionSignature } from "viem";
import { describe, expect, it } from "vitest";
import multicall3Json from "@/contracts/Multicall3.json";
import testUsdcJson from "@/contracts/TestUSDC.json";
import { testUsdcAbi } from "./abi";
import { compileContract, readContractSource, sourceHash } from "./compile";

// The artifacts are committed so starts need not run solc; these tests make sure
// they can never silently drift from the .sol files. Fix: npx tsx lib/chain/build-token.ts
const committed = { TestUSDC: testUsdcJson, Multicall3: multicall3Json };

describe.each(Object.entries(committed))("contracts/%s.json", (name, artifact) => {
  it("was built from the current source", () => {
    expect(artifact.sourceHash, "stale artifact: run npx tsx lib/chain/build-token.ts").toBe(
      sourceHash(readContractSource(name)),
    );
  });

  it("matches a fresh compile byte for byte", () => {
    const fresh = compileContract(name);
    expect(artifact.compiler).toBe(fresh.compiler);
    expect(artifact.bytecode).toBe(fresh.bytecode);
    expect(artifact.deployedBytecode).toBe(fresh.deployedBytecode);
    expect(artifact.abi).toEqual(fresh.abi);
  });
});

it("the typed TestUSDC ABI only names what the contract has", () => {
  const signatures = (abi: readonly { type: string }[]) =>
    abi
      .filter((item): item is AbiFunction => item.type === "function")
      .map((item) => toFunctionSignature(item));
  const compiled = new Set(signatures(testUsdcJson.abi));
  expect(signatures(testUsdcAbi).filter((sig) => !compiled.has(sig))).toEqual([]);
});
