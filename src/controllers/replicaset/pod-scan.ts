/**
 * One pass of the ReplicaSet controller over an owner's candidate pods (its
 * controller-UID index entry and the namespace's orphans): which pods it
 * keeps, releases and adopts, and the counts its status reports. A sync of
 * a large owner runs this over every pod, and syncs follow one another
 * while pods change, so the per-pod work is one WeakMap lookup and a few
 * reads of a small record (PodFacts) computed once per pod object: cached
 * pods are immutable and replaced on every change.
 */
import type { Pod } from "../util/pods.ts";

/** What a pod object says, for one owner version (selector and template are fixed within it). */
export interface PodFacts {
  /** The owner version ("uid/generation") these facts were computed for. */
  ownerVersion: string;
  namespace: string;
  /** UID of the pod's controller; undefined for an orphan. */
  controllerUid: string | undefined;
  /** The owner's selector matches the pod's labels. */
  matches: boolean;
  /** The pod carries every label of the owner's template. */
  fullyLabeled: boolean;
  /** deletionTimestamp set. */
  terminating: boolean;
  /** Not terminal (Succeeded/Failed) and not terminating: upstream's IsPodActive. */
  active: boolean;
  /** Ready condition True. */
  ready: boolean;
  /** When the Ready condition last turned True (ms), NaN when unknown. */
  readySinceMs: number;
}

/** A pass's result: claimed pods, work to do, and status counts over the active ones. */
export interface PodScan {
  /** Owned pods that match (all owned ones while the owner is being deleted), plus adopted ones. */
  claimed: number;
  /** The active ones among claimed. */
  active: number;
  /**
   * The active claimed pods themselves (built on demand: only scaling down
   * needs them, and a tally holds them by key rather than in a list).
   */
  activePods(): Pod[];
  /** Owned pods that no longer match: to release. */
  release: Pod[];
  /** Matching orphans: to adopt. */
  adopt: Pod[];
  fullyLabeled: number;
  ready: number;
  /** Ready for at least minReadySeconds at `now`. */
  available: number;
}

export interface ScanContext {
  ownerUid: string;
  namespace: string;
  /** The owner has a deletionTimestamp: keep what it owns, adopt nothing. */
  ownerDeleting: boolean;
  minReadySeconds: number;
  /** ms */
  now: number;
  facts(pod: Pod): PodFacts;
}

/** An empty scan, to fill with addClaimed; activePods lists what was added. */
export function emptyScan(): PodScan {
  const active: Pod[] = [];
  return {
    claimed: 0,
    active: 0,
    activePods: () => active,
    release: [],
    adopt: [],
    fullyLabeled: 0,
    ready: 0,
    available: 0,
  };
}

/** Adds one claimed pod (owned and matching, or just adopted) to the scan. */
export function addClaimed(scan: PodScan, pod: Pod, f: PodFacts, ctx: ScanContext): void {
  if (!countClaimed(scan, f, ctx)) return;
  const before = scan.activePods;
  scan.activePods = () => [...before(), pod];
}

/** Counts one claimed pod's facts into scan; true when the pod is active. */
function countClaimed(scan: PodScan, f: PodFacts, ctx: ScanContext): boolean {
  scan.claimed++;
  if (!f.active) return false;
  scan.active++;
  if (f.fullyLabeled) scan.fullyLabeled++;
  if (!f.ready) return true;
  scan.ready++;
  if (ctx.minReadySeconds <= 0 || f.readySinceMs + ctx.minReadySeconds * 1000 <= ctx.now)
    scan.available++;
  return true;
}

/**
 * Sorts candidates without awaiting anything (iterate live index views
 * only here). `owned` may hold other namespaces' pods: they are skipped.
 */
export function scanPods(owned: Iterable<Pod>, orphans: Iterable<Pod>, ctx: ScanContext): PodScan {
  const scan = emptyScan();
  const active = scan.activePods();
  for (const pod of owned) {
    const f = ctx.facts(pod);
    if (f.namespace !== ctx.namespace || f.controllerUid !== ctx.ownerUid) continue;
    if (!f.matches && !ctx.ownerDeleting) {
      scan.release.push(pod);
      continue;
    }
    if (countClaimed(scan, f, ctx)) active.push(pod);
  }
  if (!ctx.ownerDeleting) scan.adopt = adoptable(orphans, ctx);
  return scan;
}

/** The namespace's orphans the owner would adopt: matching and not terminating. */
export function adoptable(orphans: Iterable<Pod>, ctx: ScanContext): Pod[] {
  const adopt: Pod[] = [];
  for (const pod of orphans) {
    const f = ctx.facts(pod);
    if (f.controllerUid !== undefined || !f.matches || f.terminating) continue;
    adopt.push(pod);
  }
  return adopt;
}
