import { MyCredits } from "@/components/my-credits";
import { SignInGate } from "@/components/sign-in-gate";

export default function MyCreditsPage() {
  return (
    <div className="flex flex-col gap-6">
      <h1 className="text-2xl font-semibold tracking-tight">My credits</h1>
      <SignInGate why="see your balances, purchases and usage">
        <MyCredits />
      </SignInGate>
    </div>
  );
}
