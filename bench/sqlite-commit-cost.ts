/**
 * CPU per storage write of the SQLite driver, without the API server: a
 * SqliteBackend in a temp dir (durability "full": one WAL fdatasync per
 * commit, as the server runs it), `--keys` keys of `--value-bytes` each, then
 * updates of those keys in turn (a lease renewal's shape), `--concurrency`
 * in flight (1: each commit alone, as lease renewals arrive). CPU is the whole
 * process (all threads: the thread pool's fdatasync and the checkpointer).
 *
 * A/B in one process: `--root A --root B` loads each checkout's driver
 * (src/storage/drivers/sqlite.ts, through tsx) and alternates rounds between
 * them, so both see the same load. Prints µs of CPU per write (user, system)
 * per round and the median per root.
 *
 * Flags: --root DIR (repeatable; default this checkout) --keys N (200)
 * --value-bytes N (600) --ops N (2000) --rounds N (5) --concurrency N (1)
 * --warm N (1000 updates per root before measuring) --wal-restart-frames N (the
 * driver's default, 16384, unless given). A small value makes measured writes
 * overwrite the WAL as a long-running server's do instead of growing a fresh
 * file, but it also forces a WAL restart (writes paused for a closing
 * checkpoint) every few hundred writes, which favours builds that checkpoint
 * less often: compare checkpoint changes at the default.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { flag, flags } from "./lib/args.ts";

interface Backend {
  start(): Promise<void>;
  close(): Promise<void>;
  create(key: string, value: string): Promise<{ modRevision: number }>;
  update(key: string, value: string, expected: number): Promise<{ modRevision: number }>;
}

const roots = flags("root").map((r) => resolve(r));
if (roots.length === 0) roots.push(resolve(import.meta.dirname, ".."));
const keys = Number(flag("keys", "200"));
const valueBytes = Number(flag("value-bytes", "600"));
const ops = Number(flag("ops", "2000"));
const rounds = Number(flag("rounds", "5"));
const concurrency = Number(flag("concurrency", "1"));
const warm = Number(flag("warm", "1000"));
const restartFlag = flag("wal-restart-frames", "");
const walRestartFrames = restartFlag ? Number(restartFlag) : undefined;

interface Subject {
  root: string;
  dir: string;
  backend: Backend;
  revisions: Map<string, number>;
  cursor: number;
  perRound: { user: number; system: number }[];
}

const value = (i: number): string => `{"renew":${i},"pad":"${"x".repeat(valueBytes)}"}`;
const keyOf = (i: number): string => `/registry/leases/kube-node-lease/node-${i}`;

async function open(root: string): Promise<Subject> {
  const mod = (await import(pathToFileURL(join(root, "src/storage/drivers/sqlite.ts")).href)) as {
    SqliteBackend: new (o: { path: string; walRestartFrames?: number }) => Backend;
  };
  const dir = await mkdtemp(join(tmpdir(), "k8ts-commit-cost-"));
  const backend = new mod.SqliteBackend({ path: join(dir, "db.sqlite"), walRestartFrames });
  await backend.start();
  const revisions = new Map<string, number>();
  for (let i = 0; i < keys; i++) {
    revisions.set(keyOf(i), (await backend.create(keyOf(i), value(0))).modRevision);
  }
  return { root, dir, backend, revisions, cursor: 0, perRound: [] };
}

async function updates(s: Subject, n: number): Promise<void> {
  let left = n;
  const worker = async () => {
    while (left > 0) {
      left--;
      const key = keyOf(s.cursor++ % keys);
      const kv = await s.backend.update(key, value(s.cursor), s.revisions.get(key)!);
      s.revisions.set(key, kv.modRevision);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const subjects: Subject[] = [];
for (const root of roots) subjects.push(await open(root));
for (const s of subjects) await updates(s, warm);
for (let r = 0; r < rounds; r++) {
  for (const s of subjects) {
    const before = process.cpuUsage();
    await updates(s, ops);
    const used = process.cpuUsage(before);
    s.perRound.push({ user: used.user / ops, system: used.system / ops });
    console.log(
      `round ${r} ${s.root}: ${((used.user + used.system) / ops).toFixed(1)} us/write` +
        ` (user ${(used.user / ops).toFixed(1)}, system ${(used.system / ops).toFixed(1)})`,
    );
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const s of subjects) {
  const total = median(s.perRound.map((p) => p.user + p.system));
  const user = median(s.perRound.map((p) => p.user));
  const system = median(s.perRound.map((p) => p.system));
  console.log(
    `median ${s.root}: ${total.toFixed(1)} us/write (user ${user.toFixed(1)}, system ${system.toFixed(1)})`,
  );
}
for (const s of subjects) {
  await s.backend.close();
  await rm(s.dir, { recursive: true, force: true });
}
