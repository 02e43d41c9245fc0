import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Pod } from "../util/pods.ts";
import { scanPods, type PodFacts, type PodScan, type ScanContext } from "./pod-scan.ts";
import { PodTallies, tallied, type TallySource } from "./pod-tally.ts";

/**
 * A tiny pod cache: pods by key, each with its facts (the facts a
 * controller would compute for the owner version in use), indexed by
 * controller UID as the informer's index does.
 */
class FakeCache {
  readonly pods = new Map<string, { pod: Pod; facts: PodFacts }>();
  readonly tallies = new PodTallies();

  /** Replaces (or adds, or with facts undefined removes) the pod under key, telling the tallies as the controller's handlers do. */
  set(key: string, facts: PodFacts | undefined): void {
    const old = this.pods.get(key);
    if (facts) this.pods.set(key, { pod: { metadata: { name: key } }, facts });
    else this.pods.delete(key);
    this.tallies.touch(old?.facts.controllerUid, key);
    if (facts && facts.controllerUid !== old?.facts.controllerUid)
      this.tallies.touch(facts.controllerUid, key);
  }

  factsOf = (pod: Pod): PodFacts => this.pods.get(pod.metadata!.name!)!.facts;

  source(ownerUid: string): TallySource {
    const all = [...this.pods.values()];
    return {
      owned: all.filter((e) => e.facts.controllerUid === ownerUid).map((e) => e.pod),
      orphans: all.filter((e) => e.facts.controllerUid === undefined).map((e) => e.pod),
      get: (k) => this.pods.get(k)?.pod,
      keyOf: (p) => p.metadata!.name!,
    };
  }
}

const ctxFor = (cache: FakeCache, ownerUid = "rs"): ScanContext => ({
  ownerUid,
  namespace: "ns",
  ownerDeleting: false,
  minReadySeconds: 0,
  now: 0,
  facts: cache.factsOf,
});

/** What a scan says, with pod lists as sorted names (a tally does not keep scanPods' order). */
function summary(scan: PodScan) {
  const names = (ps: Pod[]) => ps.map((p) => p.metadata!.name!).sort();
  return {
    claimed: scan.claimed,
    active: scan.active,
    activePods: names(scan.activePods()),
    release: names(scan.release),
    adopt: names(scan.adopt),
    fullyLabeled: scan.fullyLabeled,
    ready: scan.ready,
    available: scan.available,
  };
}

const facts = (f: Partial<PodFacts> = {}): PodFacts => ({
  ownerVersion: "v1",
  namespace: "ns",
  controllerUid: "rs",
  matches: true,
  fullyLabeled: true,
  terminating: false,
  active: true,
  ready: false,
  readySinceMs: NaN,
  ...f,
});

test("tallied: owners being deleted or with minReadySeconds are scanned in full", () => {
  const cache = new FakeCache();
  const base = ctxFor(cache);
  assert.equal(tallied(base), true);
  assert.equal(tallied({ ...base, ownerDeleting: true }), false);
  assert.equal(tallied({ ...base, minReadySeconds: 5 }), false);
});

test("a tally re-counts only touched pods and is rebuilt for a new owner version", () => {
  const cache = new FakeCache();
  cache.set("a", facts());
  cache.set("b", facts({ ready: true }));
  const ctx = ctxFor(cache);
  assert.deepEqual(summary(cache.tallies.scan("v1", cache.source("rs"), ctx)), {
    claimed: 2,
    active: 2,
    activePods: ["a", "b"],
    release: [],
    adopt: [],
    fullyLabeled: 2,
    ready: 1,
    available: 1,
  });
  // A change the tally is not told about stays uncounted until the version changes:
  // proof that the second scan did not pass over every pod again.
  cache.pods.set("a", { pod: { metadata: { name: "a" } }, facts: facts({ ready: true }) });
  assert.equal(cache.tallies.scan("v1", cache.source("rs"), ctx).ready, 1);
  assert.equal(cache.tallies.scan("v2", cache.source("rs"), ctx).ready, 2);
  cache.set("b", undefined);
  cache.set("c", facts({ matches: false }));
  assert.deepEqual(summary(cache.tallies.scan("v2", cache.source("rs"), ctx)), {
    claimed: 1,
    active: 1,
    activePods: ["a"],
    release: ["c"],
    adopt: [],
    fullyLabeled: 1,
    ready: 1,
    available: 1,
  });
  cache.tallies.forget("rs");
  assert.equal(cache.tallies.size, 0);
});

/** One change to the cache: a pod key (of 6) set to facts, or removed. */
const change = fc.record({
  key: fc.constantFrom("p0", "p1", "p2", "p3", "p4", "p5"),
  remove: fc.boolean(),
  facts: fc.record({
    namespace: fc.constantFrom("ns", "other"),
    controllerUid: fc.constantFrom("rs", "rs2", undefined),
    matches: fc.boolean(),
    fullyLabeled: fc.boolean(),
    terminating: fc.boolean(),
    active: fc.boolean(),
    ready: fc.boolean(),
  }),
});

test("after any changes a tally's scan equals a full scanPods pass", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          changes: fc.array(change, { maxLength: 8 }),
          owner: fc.constantFrom("rs", "rs2"),
          newVersion: fc.boolean(),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      (steps) => {
        const cache = new FakeCache();
        const versions: Record<string, number> = { rs: 1, rs2: 1 };
        for (const step of steps) {
          for (const c of step.changes)
            cache.set(c.key, c.remove ? undefined : facts({ ...c.facts, readySinceMs: NaN }));
          if (step.newVersion) versions[step.owner]!++;
          const ctx = ctxFor(cache, step.owner);
          const src = cache.source(step.owner);
          const want = summary(scanPods(src.owned, src.orphans, ctx));
          const got = summary(cache.tallies.scan(`v${versions[step.owner]}`, src, ctx));
          assert.deepEqual(got, want);
        }
      },
    ),
    { numRuns: 300 },
  );
});
