import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import solc from "solc";
import type { Abi, Hex } from "viem";

/** Where the Solidity sources and their committed artifacts live. */
export const CONTRACTS_DIR = fileURLToPath(new URL("../../contracts/", import.meta.url));

export interface CompiledContract {
  abi: Abi;
  /** Creation code, for deployment. */
  bytecode: Hex;
  /** Runtime code, for anvil_setCode and for checking what is deployed. */
  deployedBytecode: Hex;
}

/**
 * The committed form of a compiled contract. sourceHash and compiler let a test
 * prove the artifact was built from the source in the tree by this solc.
 */
export interface ContractArtifact extends CompiledContract {
  contractName: string;
  compiler: string;
  sourceHash: string;
}

// cancun rather than solc's newer default so the code also runs on forks and
// older nodes; the optimizer keeps settlement gas close to a production token.
const SETTINGS = {
  evmVersion: "cancun",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
};

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<
      string,
      { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

export function sourceHash(source: string): string {
  return createHash("sha256").update(source).digest("hex");
}

export function readContractSource(contractName: string): string {
  return readFileSync(`${CONTRACTS_DIR}${contractName}.sol`, "utf8");
}

export function solcVersion(): string {
  return solc.version() as string;
}

/** Compiles contracts/<name>.sol (no imports) with solc-js standard JSON. Slow: seconds. */
export function compileContract(contractName: string): ContractArtifact {
  return compileSolidity(contractName, readContractSource(contractName));
}

/** Compiles one self-contained Solidity source and returns the named contract. */
export function compileSolidity(contractName: string, source: string): ContractArtifact {
  const file = `${contractName}.sol`;
  const input = {
    language: "Solidity",
    sources: { [file]: { content: source } },
    settings: SETTINGS,
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)) as string) as SolcOutput;

  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`solc failed on ${file}:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const compiled = output.contracts?.[file]?.[contractName];
  if (!compiled) throw new Error(`solc produced no contract ${contractName} in ${file}`);

  return {
    contractName,
    compiler: solcVersion(),
    sourceHash: sourceHash(source),
    abi: compiled.abi,
    bytecode: `0x${compiled.evm.bytecode.object}`,
    deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
  };
}
