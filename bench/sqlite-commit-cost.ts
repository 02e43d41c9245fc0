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
 *
 * --mix pods: instead of updates, a scheduled pod's writes: per pod a create
 * under a random name (2.9 KB), its event (1 KB) and the binding's update
 * (3.3 KB) of the pod created 11 pods earlier, so new names land at random
 * places of the key index as generateName's do (--keys is unused).
 * --compact-lag N (with pods; default 20000): after each round, compact to
 * N revisions below the newest and wait for the physical deletion, counted
 * in the round's CPU (compaction deletes what later writes superseded).
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
  currentRevision(): Promise<number>;
  compact(revision: number): Promise<void>;
  compactionIdle(): Promise<void>;
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
const mix = flag("mix", "updates");
if (mix !== "updates" && mix !== "pods")
  throw new Error(`--mix: expected updates or pods, got ${mix}`);
const compactLag = Number(flag("compact-lag", "20000"));

interface Subject {
  root: string;
  dir: string;
  backend: Backend;
  revisions: Map<string, number>;
  cursor: number;
  /** --mix pods: created pods awaiting their binding, with their revisions. */
  unbound: Array<[string, number]>;
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
  for (let i = 0; mix === "updates" && i < keys; i++) {
    revisions.set(keyOf(i), (await backend.create(keyOf(i), value(0))).modRevision);
  }
  return { root, dir, backend, revisions, cursor: 0, unbound: [], perRound: [] };
}

const podValue = "p".repeat(2900);
const eventValue = "e".repeat(1000);
const boundValue = "b".repeat(3300);
const randomName = (): string => Math.random().toString(36).slice(2, 7);

/** About n writes of --mix pods (a pod's create, its event, an earlier pod's binding); returns how many. */
async function podWrites(s: Subject, n: number): Promise<number> {
  let left = n;
  let done = 0;
  const worker = async () => {
    while (left > 0) {
      const name = randomName();
      const key = `/registry/pods/bench/pod-${name}`;
      left -= 2;
      // A random name may repeat (36^5 names): that create fails, as a real one would.
      const made = await s.backend.create(key, podValue).catch(() => undefined);
      if (made) s.unbound.push([key, made.modRevision]);
      await s.backend
        .create(`/registry/events/bench/pod-${name}.${randomName()}${randomName()}`, eventValue)
        .catch(() => undefined);
      done += 2;
      const bind = s.unbound.length > 11 ? s.unbound.shift() : undefined;
      if (bind) {
        left--;
        await s.backend.update(bind[0], boundValue, bind[1]);
        done++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const revision = await s.backend.currentRevision();
  if (revision > compactLag) {
    await s.backend.compact(revision - compactLag);
    await s.backend.compactionIdle();
  }
  return done;
}

const writes = async (s: Subject, n: number): Promise<number> =>
  mix === "pods" ? podWrites(s, n) : (await updates(s, n), n);

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
for (const s of subjects) await writes(s, warm);
for (let r = 0; r < rounds; r++) {
  for (const s of subjects) {
    const before = process.cpuUsage();
    const n = await writes(s, ops);
    const used = process.cpuUsage(before);
    s.perRound.push({ user: used.user / n, system: used.system / n });
    console.log(
      `round ${r} ${s.root}: ${((used.user + used.system) / n).toFixed(1)} us/write` +
        ` (user ${(used.user / n).toFixed(1)}, system ${(used.system / n).toFixed(1)})`,
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
