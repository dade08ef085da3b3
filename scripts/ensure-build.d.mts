export const SERVER_BUNDLE: string;
export function ensureBuild(root?: string): void;
