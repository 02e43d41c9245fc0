/**
 * What bench:scale reads from its children through their inspectors: heap
 * after a full GC, the server's heap snapshot, and CPU profiles per phase
 * (written as <dir>/<child>-<phase>.cpuprofile, with the top self times kept
 * for the report).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { topSelfTimeOfFile } from "./lib/cpu-profile.ts";
import type { Row } from "./lib/table.ts";
import type { K8tsChild } from "./scale-procs.ts";

/** Heap after a full GC of each running child, in MiB (NaN entries left out). */
export async function heaps(children: (K8tsChild | undefined)[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of children) {
    if (!c?.running) continue;
    const mib = await c.heapMiB();
    if (!Number.isNaN(mib)) out[c.name] = mib;
  }
  return out;
}

/** Writes child's heap snapshot to dir/<child>-loaded.heapsnapshot when dir is set (failures only logged). */
export async function heapSnapshot(
  child: K8tsChild,
  dir: string | undefined,
  log: (m: string) => void,
): Promise<void> {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${child.name}-loaded.heapsnapshot`);
  await child
    .heapSnapshot(file)
    .then((ok) => log(ok ? `heap snapshot: ${file}` : "heap snapshot: no inspector"))
    .catch((err: Error) => log(`heap snapshot failed: ${err.message}`));
}

/** CPU profiles of the children `profiled()` returns, one per phase. */
export class PhaseProfiles {
  /** Top self times per child and phase, for the report. */
  readonly rows: Row[] = [];

  constructor(
    private readonly dir: string | undefined,
    private readonly profiled: () => K8tsChild[],
    private readonly log: (m: string) => void,
  ) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  /** Starts a profile in each profiled child (a failure only skips that profile). */
  async start(): Promise<void> {
    if (!this.dir) return;
    for (const c of this.profiled())
      await (await c.inspector())?.startProfile().catch((err: Error) => this.log(err.message));
  }

  /** Stops and writes each child's profile for the phase, keeping its 12 top self times. */
  async stop(phase: string): Promise<void> {
    if (!this.dir) return;
    for (const c of this.profiled()) {
      const file = join(this.dir, `${c.name}-${phase}.cpuprofile`);
      try {
        await (await c.inspector())?.stopProfile(file);
        for (const t of topSelfTimeOfFile(file, 12))
          this.rows.push({
            process: c.name,
            phase,
            function: t.fn,
            "self ms": t.selfMs,
            "%": t.percent,
          });
      } catch (err) {
        this.log(`profile ${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
