// A Vite plugin writing THIRD_PARTY_NOTICES.txt next to the bundle: the name,
// version, license and license text of every npm package bundled into it.
import { readFileSync, readdirSync } from "node:fs";
import { join, sep } from "node:path";

function packageRoot(id) {
  const i = id.lastIndexOf(`${sep}node_modules${sep}`);
  if (i < 0) return null;
  const rest = id.slice(i + 14).split(sep);
  const n = rest[0].startsWith("@") ? 2 : 1;
  return join(id.slice(0, i + 14), ...rest.slice(0, n));
}

function licenseText(root) {
  const file = readdirSync(root).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  return file ? readFileSync(join(root, file), "utf8").trim() : "(no license file in the package)";
}

export function thirdPartyNotices() {
  return {
    name: "third-party-notices",
    apply: "build",
    generateBundle(_options, bundle) {
      const roots = new Set();
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== "chunk") continue;
        for (const id of Object.keys(chunk.modules)) {
          const root = packageRoot(id.replace(/^\0/, "").split("?")[0]);
          if (root) roots.add(root);
        }
      }
      const entries = [...roots]
        .map((root) => ({ root, pkg: JSON.parse(readFileSync(join(root, "package.json"), "utf8")) }))
        .sort((a, b) => a.pkg.name.localeCompare(b.pkg.name));
      const text = entries
        .map(({ root, pkg }) => `${pkg.name}@${pkg.version} (${pkg.license || "see below"})\n\n${licenseText(root)}\n`)
        .join("\n" + "-".repeat(72) + "\n\n");
      this.emitFile({
        type: "asset",
        fileName: "THIRD_PARTY_NOTICES.txt",
        source: "The demo app's bundle includes these npm packages:\n\n" + text,
      });
    },
  };
}
