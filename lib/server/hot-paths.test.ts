import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { handleBalance } from "@/lib/api/balance";
import { handlePurchase } from "@/lib/api/purchase";
import { handleGateway } from "@/lib/gateway/handle";
import { handleHealthz, handleReadyz } from "@/lib/health/handlers";
import { handleMetrics } from "@/lib/metrics/endpoint";
import { findHotPath, findWorkerHotPath } from "./hot-paths";

const req = (headers: Record<string, string> = {}) => ({ headers }) as unknown as IncomingMessage;

describe("hot paths", () => {
  it("the single process answers balance, gateway and purchase itself; pages go to Next", () => {
    expect(findHotPath("/api/credits/balance", req())).toBe(handleBalance);
    expect(findHotPath("/e/demo/x", req())).toBe(handleGateway);
    expect(findHotPath("/api/public/endpoints/demo", req())).toBe(handleGateway);
    expect(findHotPath("/api/credits/purchase", req())).toBe(handlePurchase);
    expect(findHotPath("/", req())).toBeUndefined();
    expect(findHotPath("/api/provider/endpoints", req())).toBeUndefined();
  });

  it("a worker leaves everything that settles a payment to the primary", () => {
    expect(findWorkerHotPath("/api/credits/balance", req())).toBe(handleBalance);
    expect(findWorkerHotPath("/e/demo/x", req({ "x-wallet-address": "0x1" }))).toBe(handleGateway);
    expect(findWorkerHotPath("/api/credits/purchase", req())).toBeUndefined();
    expect(findWorkerHotPath("/e/demo/x", req({ "payment-signature": "e30=" }))).toBeUndefined();
    expect(findWorkerHotPath("/e/demo/x", req({ "x-payment": "e30=" }))).toBeUndefined();
    expect(findWorkerHotPath("/", req())).toBeUndefined();
  });

  it("probes are answered by each process for itself; metrics by the primary, which sums them", () => {
    expect(findHotPath("/healthz", req())).toBe(handleHealthz);
    expect(findWorkerHotPath("/readyz", req())).toBe(handleReadyz);
    expect(findHotPath("/metrics", req())).toBe(handleMetrics);
    expect(findWorkerHotPath("/metrics", req())).toBeUndefined();
  });
});
