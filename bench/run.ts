/**
 * Runs benchmarks one after another: every bench/*.ts (but this file) or only
 * those named, e.g. `npm run bench storage`. Flags (--quick, --json FILE) pass
 * through; with --json the figures of all benchmarks run are merged into
 * FILE as { <name>: <that benchmark's JSON> }. Exits non-zero if any failed.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const names = argv.filter((a, i) => !a.startsWith("-") && argv[i - 1] !== "--json");
const args = parseBenchArgs(argv.filter((a) => !names.includes(a)));
const available = (await readdir(here))
  .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "run.ts")
  .map((f) => basename(f, ".ts"))
  .sort();
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  process.stderr.write(
    `Cannot run benchmark ${unknown.join(", ")}: available are ${available.join(", ")}\n`,
  );
  process.exit(2);
}
const chosen = names.length > 0 ? names : available;
const tmp = await mkdtemp(join(tmpdir(), "k8ts-bench-"));
const merged: Record<string, unknown> = {};
const failed: string[] = [];
try {
  for (const name of chosen) {
    progress("bench", `running ${name}`);
    const jsonFile = join(tmp, `${name}.json`);
    const childArgs = [
      ...(args.quick ? ["--quick"] : []),
      ...(args.json ? ["--json", jsonFile] : []),
    ];
    const res = spawnSync(
      process.execPath,
      ["--import", "tsx", join(here, `${name}.ts`), ...childArgs],
      {
        stdio: "inherit",
      },
    );
    if (res.status !== 0) {
      failed.push(name);
      continue;
    }
    if (args.json) merged[name] = JSON.parse(await readFile(jsonFile, "utf8"));
  }
  await writeJson(args.json, merged);
} finally {
  await rm(tmp, { recursive: true, force: true });
}
if (failed.length > 0) {
  process.stderr.write(`Benchmarks failed: ${failed.join(", ")}\n`);
  process.exit(1);
}
