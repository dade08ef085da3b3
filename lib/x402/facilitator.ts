import { x402Facilitator } from "@x402/core/facilitator";
import { HTTPFacilitatorClient } from "@x402/core/http";
import type {
  PaymentPayload,
  PaymentRequirements,
  SettleResponse,
  VerifyResponse,
} from "@x402/core/types";
import { registerExactEvmScheme } from "@x402/evm/exact/facilitator";
import type { HDAccount, LocalAccount } from "viem";
import type { DevnetTarget } from "@/lib/chain/devnet";
import { devnetFacilitatorSigner } from "@/lib/chain/facilitator-signer";

/** What the purchase flow needs from a facilitator, local or remote. v1 payloads too. */
export interface Facilitator {
  label: string;
  /**
   * Local: we see its RPC calls (`observeRpc`), so we know whether a transaction went out
   * and whether a refusal came from an outage. Remote: only its answers.
   */
  observable: boolean;
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>;
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse>;
}

/** Self-facilitation: our own key submits transferWithAuthorization and pays the gas. */
export function localFacilitator(
  target: DevnetTarget & { network: string },
  account: HDAccount | LocalAccount,
): Facilitator {
  const facilitator = new x402Facilitator();
  // Registers the v2 scheme for this network and the v1 scheme for every named EVM network.
  registerExactEvmScheme(facilitator, {
    signer: devnetFacilitatorSigner(target, account),
    networks: target.network as PaymentRequirements["network"],
  });
  return {
    label: `local (settles from ${account.address})`,
    observable: true,
    verify: (p, r) => facilitator.verify(p, r),
    settle: (p, r) => facilitator.settle(p, r),
  };
}

export function remoteFacilitator(url: string, timeoutMs: number): Facilitator {
  const client = new HTTPFacilitatorClient({ url, timeoutMs });
  return {
    label: url,
    observable: false,
    verify: (p, r) => client.verify(p, r),
    settle: (p, r) => client.settle(p, r),
  };
}
