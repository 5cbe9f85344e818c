// Build ../frontend/bundle.js: one minified IIFE with sigma, graphology and our code (no CDN).
// Usage: npm ci && npm run build
import { build } from "esbuild";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "frontend", "bundle.js");

await build({
  entryPoints: [join(here, "src", "index.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "none", // the licences are in ../frontend/THIRD_PARTY_LICENSES.txt
  outfile: out,
  logLevel: "info",
});

// Third-party licences: every npm package in the bundle, its version and its licence text.
const bundled = ["sigma", "@sigma/node-border", "@sigma/node-square", "graphology", "graphology-utils", "events"];
const parts = [
  "Third-party software in bundle.js (built by frontend_src/build.mjs with esbuild from the npm packages below).\n",
];
for (const name of bundled) {
  const dir = join(here, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  let text = null;
  for (const file of ["LICENSE", "LICENSE.txt", "LICENSE.md", "license", "LICENCE"]) {
    try {
      text = readFileSync(join(dir, file), "utf8");
      break;
    } catch (e) {}
  }
  if (text === null) throw new Error(`no licence file in ${name}; add its text by hand`);
  parts.push(`${"=".repeat(78)}\n${pkg.name} ${pkg.version} (${pkg.license})\n${"=".repeat(78)}\n${text.trim()}\n`);
}
writeFileSync(join(here, "..", "frontend", "THIRD_PARTY_LICENSES.txt"), parts.join("\n"));
