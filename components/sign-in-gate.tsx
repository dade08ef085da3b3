"use client";

import type { ReactNode } from "react";
import { useConnection } from "wagmi";
import { Button, Notice, Skeleton } from "@/components/ui";
import { useSession } from "@/hooks/use-session";

/** Renders children only for a SIWE session of the connected wallet; else offers sign-in. */
export function SignInGate({ why, children }: { why: string; children: ReactNode }) {
  const { address } = useConnection();
  const { session, signedIn, signIn } = useSession();
  if (!address) return <Notice>Connect a wallet to {why}.</Notice>;
  if (session.isLoading) return <Skeleton className="h-9 w-40" />;
  if (signedIn) return <>{children}</>;
  return (
    <div className="flex flex-col items-start gap-2">
      <p className="text-sm">
        Sign in with your wallet to {why}. It costs nothing and sends no transaction.
      </p>
      <Button disabled={signIn.isPending} onClick={() => signIn.mutate()}>
        {signIn.isPending ? "Check your wallet…" : "Sign in"}
      </Button>
      {signIn.error && <Notice tone="error">{signInMessage(signIn.error)}</Notice>}
    </div>
  );
}

function signInMessage(err: Error): string {
  const code = (err as { code?: number; cause?: { code?: number } }).code;
  if (code === 4001 || err.name === "UserRejectedRequestError") return "You declined the sign-in.";
  return err.message.split("\n")[0] ?? "Sign-in failed.";
}
