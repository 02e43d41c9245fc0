#!/usr/bin/env node
// Runs every *.test.ts under the given folders (default: src, test and bench) with node:test through tsx.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

const roots = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const passthrough = process.argv.slice(2).filter((a) => a.startsWith("-"));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.ts")) files.push(path);
  }
}
for (const root of roots.length ? roots : ["src", "test", "bench"]) {
  try {
    if (statSync(root).isFile()) files.push(root);
    else walk(root);
  } catch {
    // a missing folder has no tests
  }
}
files.sort();
const concurrency = process.env.K8TS_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    // Applies to each file as a whole too: an e2e file of a dozen tests can take several
    // minutes under load. A passing file never waits it out; a hung one still ends.
    "--test-timeout=900000",
    ...passthrough,
    ...files,
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
