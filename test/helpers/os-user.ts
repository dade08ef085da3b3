import { execFileSync } from "node:child_process";

/** uid and gid of a local account, to run a server that refuses root (or should not have it) as it. */
export function osUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync("id", [flag, name], { encoding: "utf8" }));
  return { uid: id("-u"), gid: id("-g") };
}

/** As `name` when this process is root, else as ourselves: spawn options and the owner. */
export function runAs(name: string): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? osUser(name) : undefined;
}
