"use client";

import Link from "next/link";
import { useState } from "react";
import { EndpointForm } from "@/components/endpoint-form";
import { SecretReveal } from "@/components/secret-reveal";
import { SignInGate } from "@/components/sign-in-gate";

export default function NewEndpointPage() {
  const [created, setCreated] = useState<{ slug: string; originKey: string } | null>(null);
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold tracking-tight">New endpoint</h1>
      <SignInGate why="create an endpoint">
        {created ? (
          <div className="flex flex-col gap-4">
            <SecretReveal label="Origin key" secret={created.originKey} />
            <p className="text-sm">
              Your origin receives it as <code>X-API-Key</code> on every paid call; check it there.
            </p>
            <Link className="underline" href={`/provider/${created.slug}`}>
              Continue to {created.slug}
            </Link>
          </div>
        ) : (
          <EndpointForm
            onSaved={(r) => setCreated({ slug: r.endpoint.slug, originKey: r.originKey ?? "" })}
          />
        )}
      </SignInGate>
    </div>
  );
}
