/**
 * Well-known accounts of anvil's public test mnemonic ("test test … junk"): their keys are
 * public, so they only ever hold devnet money. The demo provider is #2, the demo buyer #9.
 */
export const DEMO_PROVIDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
export const DEMO_BUYER = "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720";
export const DEMO_SLUG = "demo";

/**
 * Owner of the demo endpoint on a server reachable from the network: no wallet signs in as
 * this (it is not an address), so nobody can edit the demo with the public test keys.
 */
export const DEMO_OWNER_WHEN_EXPOSED = "nobody:demo";
