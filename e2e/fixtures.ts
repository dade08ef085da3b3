import { test as base, expect } from "@playwright/test";

export { expect, type Page } from "@playwright/test";

/** What the browser reported as blocked by the page's Content-Security-Policy. */
export interface CspViolations {
  list: string[];
  /** Hands over what was reported so far (a test that provokes violations on purpose). */
  take(): string[];
}

/**
 * Every journey runs with the CSP watched: each page of the context reports violations to
 * its console (the browser's own "Refused to …" lines, plus a `securitypolicyviolation`
 * listener for those the console does not show), and a journey that met any fails.
 */
export const test = base.extend<{ csp: CspViolations }>({
  csp: [
    async ({ context }, use) => {
      const list: string[] = [];
      await context.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (e) => {
          console.error(
            `[csp] ${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`,
          );
        });
      });
      context.on("console", (message) => {
        const text = message.text();
        if (/^\[csp\]|Content Security Policy/.test(text)) {
          list.push(`${message.page()?.url() ?? "?"}: ${text}`);
        }
      });
      const csp = { list, take: () => list.splice(0, list.length) };
      await use(csp);
      expect(list, "CSP violations in this journey").toEqual([]);
    },
    { auto: true },
  ],
});
