import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { methodLabel, routeTemplate } from "./routes";

/** Every route and page under app/, as a sample path and the template it should count under. */
function appRoutes(dir = "app", prefix = ""): { sample: string; template: string }[] {
  const found: { sample: string; template: string }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) {
      if (entry.name === "route.ts" || entry.name === "page.tsx")
        found.push({ sample: prefix || "/", template: prefix || "/" });
      continue;
    }
    const name = entry.name;
    const sub = path.join(dir, name);
    if (name.startsWith("[[...")) {
      // Optional catch-all: the route with nothing after it, and with a tail.
      for (const r of appRoutes(sub, prefix)) found.push(r, { ...r, sample: `${r.sample}/a/b` });
    } else if (name.startsWith("[...")) {
      for (const r of appRoutes(sub, prefix))
        found.push({ sample: `${prefix}/x/y`, template: `${r.template}/*` });
    } else if (name.startsWith("[")) {
      found.push(
        ...appRoutes(sub, `${prefix}/${name.slice(1, -1)}`).map((r) => ({
          sample: r.sample.replace(
            `${prefix}/${name.slice(1, -1)}`,
            `${prefix}/some-${name.slice(1, -1)}`,
          ),
          template: r.template.replace(
            `${prefix}/${name.slice(1, -1)}`,
            `${prefix}/:${name.slice(1, -1)}`,
          ),
        })),
      );
    } else found.push(...appRoutes(sub, `${prefix}/${name}`));
  }
  return found;
}

describe("route templates", () => {
  it("count every app route and page under its own template, never its raw path", () => {
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(30);
    for (const { sample, template } of routes)
      expect([sample, routeTemplate(sample)]).toEqual([sample, template]);
  });

  it("keep unknown paths, slugs and methods in a few bounded values", () => {
    expect(routeTemplate("/e/demo/any/depth/of/path")).toBe("/e/:slug");
    expect(routeTemplate("/api/public/endpoints/demo/echo")).toBe("/api/public/endpoints/:slug");
    expect(routeTemplate("/wp-admin/setup.php")).toBe("other");
    expect(routeTemplate("/provider/a/b")).toBe("other");
    expect(routeTemplate("/_next/static/chunks/x.js")).toBe("/_next/*");
    expect(methodLabel("GET")).toBe("GET");
    expect(methodLabel("PROPFIND")).toBe("other");
    expect(methodLabel(undefined)).toBe("other");
  });
});
