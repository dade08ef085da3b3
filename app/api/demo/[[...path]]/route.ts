import { handleDemoOrigin } from "@/lib/demo/origin";

export const dynamic = "force-dynamic";

// ANY /api/demo/* — the demo API that the seeded "demo" endpoint sells.
export const GET = handleDemoOrigin;
export const POST = handleDemoOrigin;
export const PUT = handleDemoOrigin;
export const PATCH = handleDemoOrigin;
export const DELETE = handleDemoOrigin;
