/**
 * Upstream SelectVictimsOnNode: on a copy of the node, remove every pod of
 * lower priority than the preemptor; if the preemptor then fits, add pods
 * back (PDB-violating ones first, most important first) while it still fits.
 * What stays removed are the victims.
 */
import type { PodDisruptionBudget } from "kubernetes-types/policy/v1.d.ts";
import {
  labelSelectorFromObject,
  type LabelSelectorObject,
} from "../../../api/selectors/label-selector.ts";
import type { CycleState } from "../../framework/cycle-state.ts";
import type { Handle } from "../../framework/interfaces.ts";
import type { NodeInfo } from "../../framework/node-info.ts";
import type { PodInfo } from "../../framework/pod-info.ts";
import { isSuccess, unresolvable, type MaybeStatus } from "../../framework/status.ts";

export const ErrNoVictims = "No preemption victims found for incoming pod";

export interface Victims {
  pods: PodInfo[];
  numPDBViolations: number;
}

/** Splits pods into those whose eviction would violate a PDB and the rest (upstream filterPodsWithPDBViolation). */
export function splitByPDBViolation(
  pods: PodInfo[],
  pdbs: readonly PodDisruptionBudget[],
): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((p) => {
    const r = labelSelectorFromObject(p.spec?.selector as LabelSelectorObject | undefined);
    return r.ok && !r.selector.isEmpty() ? r.selector : undefined;
  });
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const p of pods) {
    let violates = false;
    pdbs.forEach((pdb, i) => {
      const sel = selectors[i];
      if (!sel || pdb.metadata?.namespace !== p.namespace || !sel.matches(p.labels)) return;
      if ((pdb.status?.disruptedPods ?? {})[p.pod.metadata?.name ?? ""]) return;
      allowed[i]!--;
      if (allowed[i]! < 0) violates = true;
    });
    (violates ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

export function selectVictimsOnNode(
  handle: Handle,
  state: CycleState,
  pod: PodInfo,
  original: NodeInfo,
  pdbs: readonly PodDisruptionBudget[],
): { victims?: Victims; status: MaybeStatus } {
  const node = original.clone();
  const candidates: PodInfo[] = [];
  const remove = (p: PodInfo): MaybeStatus => {
    node.removePod(p.key);
    return handle.runPreFilterExtensionRemovePod(state, pod, p, node);
  };
  const add = (p: PodInfo): MaybeStatus => {
    node.addPod(p);
    return handle.runPreFilterExtensionAddPod(state, pod, p, node);
  };
  for (const p of node.pods.values()) if (p.priority < pod.priority) candidates.push(p);
  for (const p of candidates) {
    const s = remove(p);
    if (!isSuccess(s)) return { status: s };
  }
  if (candidates.length === 0) return { status: unresolvable(ErrNoVictims) };
  const fits = handle.runFilterPlugins(state, pod, node);
  if (!isSuccess(fits)) return { status: fits };
  // Most important first: higher priority, then older.
  candidates.sort(
    (a, b) =>
      b.priority - a.priority ||
      Date.parse(a.pod.status?.startTime ?? "") - Date.parse(b.pod.status?.startTime ?? "") ||
      0,
  );
  const { violating, nonViolating } = splitByPDBViolation(candidates, pdbs);
  const victims: PodInfo[] = [];
  let numPDBViolations = 0;
  const reprieve = (p: PodInfo): boolean => {
    add(p);
    if (isSuccess(handle.runFilterPlugins(state, pod, node))) return true;
    remove(p);
    victims.push(p);
    return false;
  };
  for (const p of violating) if (!reprieve(p)) numPDBViolations++;
  for (const p of nonViolating) reprieve(p);
  victims.sort((a, b) => b.priority - a.priority);
  return { victims: { pods: victims, numPDBViolations }, status: null };
}

/**
 * Upstream pickOneNodeForPreemption: fewest PDB violations, then the lowest
 * highest-victim priority, then the smallest priority sum, then the fewest
 * victims; ties keep the first node.
 */
export function pickOneNode(candidates: Map<string, Victims>): string | undefined {
  let best: string | undefined;
  let bestKey: number[] | undefined;
  for (const [name, v] of candidates) {
    const highest = v.pods[0]?.priority ?? -Infinity;
    const sum = v.pods.reduce((a, p) => a + p.priority + 2147483648, 0);
    const key = [v.numPDBViolations, highest, sum, v.pods.length];
    if (!bestKey || lexLess(key, bestKey)) {
      best = name;
      bestKey = key;
    }
  }
  return best;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
