import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "../util/pods.ts";
import { addClaimed, scanPods, type PodFacts, type ScanContext } from "./pod-scan.ts";

const base: PodFacts = {
  ownerVersion: "v",
  namespace: "ns",
  controllerUid: "rs",
  matches: true,
  fullyLabeled: true,
  terminating: false,
  active: true,
  ready: false,
  readySinceMs: NaN,
};

/** A pod named `name` whose facts are base + f. */
function pod(name: string, f: Partial<PodFacts> = {}): [Pod, PodFacts] {
  return [{ metadata: { name } }, { ...base, ...f }];
}

test("scanPods sorts candidates and counts status over active claimed pods", async (t) => {
  const cases: {
    name: string;
    owned: [Pod, PodFacts][];
    orphans: [Pod, PodFacts][];
    ctx?: Partial<ScanContext>;
    want: { claimed: number; active: string[]; release: string[]; adopt: string[] };
    counts: [fullyLabeled: number, ready: number, available: number];
  }[] = [
    {
      name: "owned: matching claimed, non-matching released, other namespace or owner skipped",
      owned: [
        pod("a"),
        pod("b", { matches: false }),
        pod("c", { namespace: "other" }),
        pod("d", { controllerUid: "other" }),
      ],
      orphans: [],
      want: { claimed: 1, active: ["a"], release: ["b"], adopt: [] },
      counts: [1, 0, 0],
    },
    {
      name: "inactive claimed pods are not counted",
      owned: [pod("a", { active: false, terminating: true }), pod("b", { active: false })],
      orphans: [],
      want: { claimed: 2, active: [], release: [], adopt: [] },
      counts: [0, 0, 0],
    },
    {
      name: "ready and available with minReadySeconds",
      owned: [
        pod("old", { ready: true, readySinceMs: 0 }),
        pod("new", { ready: true, readySinceMs: 9_000 }),
        pod("unknown", { ready: true }),
        pod("partial", { fullyLabeled: false }),
      ],
      orphans: [],
      ctx: { minReadySeconds: 5, now: 10_000 },
      want: {
        claimed: 4,
        active: ["old", "new", "unknown", "partial"],
        release: [],
        adopt: [],
      },
      counts: [3, 3, 1],
    },
    {
      name: "without minReadySeconds every ready pod is available",
      owned: [pod("a", { ready: true }), pod("b", { ready: true, readySinceMs: 1 })],
      orphans: [],
      want: { claimed: 2, active: ["a", "b"], release: [], adopt: [] },
      counts: [2, 2, 2],
    },
    {
      name: "orphans: matching adopted; terminating, non-matching or owned skipped",
      owned: [],
      orphans: [
        pod("o1", { controllerUid: undefined }),
        pod("o2", { controllerUid: undefined, matches: false }),
        pod("o3", { controllerUid: undefined, terminating: true, active: false }),
        pod("o4"),
      ],
      want: { claimed: 0, active: [], release: [], adopt: ["o1"] },
      counts: [0, 0, 0],
    },
    {
      name: "owner being deleted: keeps every owned pod, adopts nothing",
      owned: [pod("a", { matches: false })],
      orphans: [pod("o1", { controllerUid: undefined })],
      ctx: { ownerDeleting: true },
      want: { claimed: 1, active: ["a"], release: [], adopt: [] },
      counts: [1, 0, 0],
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const facts = new Map([...c.owned, ...c.orphans]);
      const ctx: ScanContext = {
        ownerUid: "rs",
        namespace: "ns",
        ownerDeleting: false,
        minReadySeconds: 0,
        now: 0,
        facts: (p) => facts.get(p)!,
        ...c.ctx,
      };
      const scan = scanPods(
        c.owned.map(([p]) => p),
        c.orphans.map(([p]) => p),
        ctx,
      );
      const names = (ps: Pod[]) => ps.map((p) => p.metadata!.name);
      assert.deepEqual(
        {
          claimed: scan.claimed,
          active: names(scan.activePods()),
          release: names(scan.release),
          adopt: names(scan.adopt),
        },
        c.want,
      );
      assert.deepEqual([scan.fullyLabeled, scan.ready, scan.available], c.counts);
    });
  }
});

test("addClaimed counts an adopted pod like an owned one", () => {
  const ctx: ScanContext = {
    ownerUid: "rs",
    namespace: "ns",
    ownerDeleting: false,
    minReadySeconds: 0,
    now: 0,
    facts: () => base,
  };
  const scan = scanPods([], [], ctx);
  const [p, f] = pod("adopted", { ready: true });
  addClaimed(scan, p, f, ctx);
  assert.deepEqual(
    [scan.claimed, scan.active, scan.ready, scan.available, scan.activePods().length],
    [1, 1, 1, 1, 1],
  );
});
