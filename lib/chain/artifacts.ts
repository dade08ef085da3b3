import type { Hex } from "viem";
import multicall3Json from "@/contracts/Multicall3.json";
import testUsdcJson from "@/contracts/TestUSDC.json";

// Imported statically (not read from disk) so bundlers ship the artifacts with the code.

function hex(value: string, what: string): Hex {
  if (!/^0x[0-9a-f]+$/i.test(value)) throw new Error(`${what} is not hex bytecode`);
  return value as Hex;
}

/** Creation code of contracts/TestUSDC.sol, from the committed artifact. */
export const TEST_USDC_BYTECODE = hex(testUsdcJson.bytecode, "TestUSDC bytecode");
/** Runtime code a correct TestUSDC deployment holds (it has no immutables). */
export const TEST_USDC_RUNTIME = hex(testUsdcJson.deployedBytecode, "TestUSDC runtime");
export const TEST_USDC_SOURCE_HASH: string = testUsdcJson.sourceHash;

/** Where every public chain, and viem and the x402 facilitator, expect Multicall3. */
export const MULTICALL3_ADDRESS = "0xcA11bde05977b3631167028862bE2a173976CA11" as const;
/** Runtime code of contracts/Multicall3.sol, installed with anvil_setCode. */
export const MULTICALL3_RUNTIME = hex(multicall3Json.deployedBytecode, "Multicall3 runtime");
