"use client";

import { useConnection, useDisconnect } from "wagmi";
import { ConnectMenu } from "@/components/connect-menu";
import { Button } from "@/components/ui";
import { useSession } from "@/hooks/use-session";
import { shortAddress } from "@/lib/ui/format";

/** Who is connected (with sign-out and disconnect), or the wallet picker. */
export function ConnectButton() {
  const { address, status } = useConnection();
  const { disconnect } = useDisconnect();
  const { signedIn, signOut } = useSession();
  if (status === "connected" && address) {
    return (
      <div className="flex items-center gap-2">
        <span className="font-mono text-sm" data-testid="connected-address" title={address}>
          {shortAddress(address)}
        </span>
        {signedIn && (
          <Button variant="secondary" onClick={() => signOut.mutate()}>
            Sign out
          </Button>
        )}
        <Button variant="secondary" onClick={() => disconnect()}>
          Disconnect
        </Button>
      </div>
    );
  }
  return <ConnectMenu />;
}
