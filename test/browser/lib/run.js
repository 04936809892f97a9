// npm test: builds gonetify once (unless GONETIFY_BIN names a binary), then
// runs every test file with node's test runner.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CHROMIUM } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root) first`);
  process.exit(1);
}
if (!process.env.GONETIFY_BIN) {
  const bin = join(mkdtempSync(join(tmpdir(), "gonetify-bin-")), "gonetify");
  console.log(`building ${bin} (set GONETIFY_BIN to skip)`);
  execFileSync("go", ["build", "-o", bin, "./cmd/gonetify"], { cwd: root, stdio: "inherit" });
  process.env.GONETIFY_BIN = bin;
}
const files = readdirSync(join(here, "../tests"))
  .filter((f) => f.endsWith(".test.js"))
  .sort()
  .map((f) => join("tests", f));
const args = ["--test", "--test-concurrency=3", "--test-reporter=spec", ...files, ...process.argv.slice(2)];
const res = spawnSync(process.execPath, args, { cwd: resolve(here, ".."), stdio: "inherit" });
process.exit(res.status ?? 1);
