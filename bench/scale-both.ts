/**
 * bench:scale --backend both: the same load run twice, each in its own
 * process (the same bench with --backend sqlite, then --backend etcd, so
 * neither run inherits the other's state), each printing its own tables;
 * then the sqlite-vs-etcd table (scale-report.ts ratioRows) from the two
 * runs' JSON.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeJson } from "./lib/args.ts";
import { printTable } from "./lib/table.ts";
import { backendRunArgv } from "./scale-args.ts";
import { ratioRows, type RunSummary } from "./scale-report.ts";

type RunResult = RunSummary & { status: string };

/** Runs both backends with argv (this bench's flags); resolves with the exit code to use. */
export async function runBoth(
  argv: string[],
  json: string | undefined,
  log: (m: string) => void,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "k8ts-bench-scale-both-"));
  try {
    const results: Partial<Record<"sqlite" | "etcd", RunResult>> = {};
    let code = 0;
    for (const kind of ["sqlite", "etcd"] as const) {
      log(`backend ${kind}: running the load`);
      const file = join(dir, `${kind}.json`);
      const exit = await runChild(backendRunArgv(argv, kind, file));
      if (exit !== 0) code = 1;
      try {
        results[kind] = JSON.parse(readFileSync(file, "utf8")) as RunResult;
      } catch {
        log(`backend ${kind}: no result (exit ${exit})`);
      }
    }
    const { sqlite, etcd } = results;
    if (!sqlite || !etcd) return 1;
    process.stdout.write(
      `\nbench:scale sqlite vs etcd (sqlite: ${sqlite.status}; etcd: ${etcd.status})\n\n`,
    );
    const ratios = ratioRows(sqlite, etcd);
    printTable(ratios);
    await writeJson(json, { sqlite, etcd, ratios });
    return code;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This bench script again under the same Node flags (tsx's loader included), sharing stdio. */
function runChild(argv: string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...argv], {
    stdio: "inherit",
  });
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
