import { EndpointAdmin } from "@/components/endpoint-admin";
import { SignInGate } from "@/components/sign-in-gate";

export default async function ProviderEndpointPage({
  params,
}: {
  params: Promise<{ slug: string }>;
}) {
  const { slug } = await params;
  return (
    <SignInGate why="manage this endpoint">
      <EndpointAdmin slug={slug} />
    </SignInGate>
  );
}
