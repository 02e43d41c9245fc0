/**
 * A pod with everything the plugins read from it parsed once: requests,
 * affinity terms (selectors compiled), host ports, priority. PodInfos are
 * built when a pod enters the queue or cache and never mutated afterwards.
 */
import type { Pod, PodAffinityTerm, WeightedPodAffinityTerm } from "kubernetes-types/core/v1.d.ts";
import {
  LabelSelector,
  labelSelectorFromObject,
  type LabelSelectorObject,
} from "../../api/selectors/label-selector.ts";
import {
  defaultMemoryRequest,
  defaultMilliCPURequest,
  podRequests,
  type Resource,
} from "./resource.ts";

/** A pod (anti-)affinity term ready for matching. */
export interface AffinityTerm {
  namespaces: ReadonlySet<string>;
  /** Null when the term has no namespaceSelector. */
  namespaceSelector: LabelSelector | null;
  selector: LabelSelector;
  topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  protocol: string;
  hostIP: string;
  port: number;
}

/**
 * The one empty list every PodInfo without terms, host ports or parse
 * errors holds (most pods have none, and the cache holds a PodInfo per pod).
 * Frozen: PodInfos are never mutated.
 */
const NONE: readonly never[] = Object.freeze([]);

/** list, or the shared empty list when it is empty. */
function orNone<T>(list: T[]): readonly T[] {
  return list.length ? list : NONE;
}

export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly requests: Resource;
  /** cpu/memory with upstream's non-zero defaults, for scoring. */
  readonly nonZeroCPU: number;
  readonly nonZeroMemory: number;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly preferredAffinityTerms: readonly WeightedAffinityTerm[];
  readonly preferredAntiAffinityTerms: readonly WeightedAffinityTerm[];
  readonly hostPorts: readonly HostPort[];
  readonly priority: number;
  /** Errors parsing affinity selectors (the pod is then unschedulable). */
  readonly parseErrors: readonly string[];

  /**
   * With `parsed` (a PodInfo of the same pod whose spec differs at most in
   * nodeName), its parsed fields are reused instead of parsing again.
   */
  constructor(
    readonly pod: Pod,
    parsed?: PodInfo,
  ) {
    const meta = pod.metadata ?? {};
    if (parsed) {
      this.key = parsed.key;
      this.namespace = parsed.namespace;
      this.labels = parsed.labels;
      this.requests = parsed.requests;
      this.nonZeroCPU = parsed.nonZeroCPU;
      this.nonZeroMemory = parsed.nonZeroMemory;
      this.requiredAffinityTerms = parsed.requiredAffinityTerms;
      this.requiredAntiAffinityTerms = parsed.requiredAntiAffinityTerms;
      this.preferredAffinityTerms = parsed.preferredAffinityTerms;
      this.preferredAntiAffinityTerms = parsed.preferredAntiAffinityTerms;
      this.hostPorts = parsed.hostPorts;
      this.priority = parsed.priority;
      this.parseErrors = parsed.parseErrors;
      return;
    }
    this.key = `${meta.namespace ?? ""}/${meta.name ?? ""}`;
    this.namespace = meta.namespace ?? "";
    this.labels = meta.labels ?? {};
    this.requests = podRequests(pod);
    const parseErrors: string[] = [];
    const nz = podRequests(pod, true);
    this.nonZeroCPU = nz.milliCPU || defaultMilliCPURequest;
    this.nonZeroMemory = nz.memory || defaultMemoryRequest;
    const aff = pod.spec?.affinity;
    const ns = meta.namespace ?? "default";
    this.requiredAffinityTerms = terms(
      ns,
      aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      parseErrors,
    );
    this.requiredAntiAffinityTerms = terms(
      ns,
      aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
      parseErrors,
    );
    this.preferredAffinityTerms = weighted(
      ns,
      aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      parseErrors,
    );
    this.preferredAntiAffinityTerms = weighted(
      ns,
      aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      parseErrors,
    );
    this.parseErrors = orNone(parseErrors);
    const hostPorts: HostPort[] = [];
    for (const list of [pod.spec?.containers, pod.spec?.initContainers]) {
      for (const c of list ?? []) {
        for (const p of c.ports ?? []) {
          if (!p.hostPort || p.hostPort <= 0) continue;
          hostPorts.push({
            protocol: p.protocol ?? "TCP",
            hostIP: p.hostIP || "0.0.0.0",
            port: p.hostPort,
          });
        }
      }
    }
    this.hostPorts = orNone(hostPorts);
    this.priority = pod.spec?.priority ?? 0;
  }

  /** True when the pod has any pod affinity or anti-affinity term. */
  hasAffinity(): boolean {
    return (
      this.requiredAffinityTerms.length +
        this.requiredAntiAffinityTerms.length +
        this.preferredAffinityTerms.length +
        this.preferredAntiAffinityTerms.length >
      0
    );
  }
}

function terms(
  ns: string,
  list: PodAffinityTerm[] | undefined,
  errors: string[],
): readonly AffinityTerm[] {
  if (!list?.length) return NONE;
  const out: AffinityTerm[] = [];
  for (const t of list) {
    const term = parseTerm(ns, t, errors);
    if (term) out.push(term);
  }
  return orNone(out);
}

function weighted(
  ns: string,
  list: WeightedPodAffinityTerm[] | undefined,
  errors: string[],
): readonly WeightedAffinityTerm[] {
  if (!list?.length) return NONE;
  const out: WeightedAffinityTerm[] = [];
  for (const w of list) {
    const term = parseTerm(ns, w.podAffinityTerm, errors);
    if (term && w.weight) out.push({ ...term, weight: w.weight });
  }
  return orNone(out);
}

/** One term with its selectors compiled; undefined (and errors told why) when a selector is invalid. */
function parseTerm(ns: string, t: PodAffinityTerm, errors: string[]): AffinityTerm | undefined {
  const sel = labelSelectorFromObject(t.labelSelector as LabelSelectorObject | undefined);
  if (!sel.ok) {
    errors.push(sel.error.message);
    return undefined;
  }
  let namespaceSelector: LabelSelector | null = null;
  if (t.namespaceSelector) {
    const nsSel = labelSelectorFromObject(t.namespaceSelector as LabelSelectorObject);
    if (!nsSel.ok) {
      errors.push(nsSel.error.message);
      return undefined;
    }
    namespaceSelector = nsSel.selector;
  }
  const namespaces = new Set(t.namespaces ?? []);
  if (namespaces.size === 0 && !namespaceSelector) namespaces.add(ns);
  return { namespaces, namespaceSelector, selector: sel.selector, topologyKey: t.topologyKey };
}

/**
 * Whether `term` (declared by some pod) selects `target`. `nsLabels` gives a
 * namespace's labels for namespaceSelector terms.
 */
export function termMatches(
  term: AffinityTerm,
  target: PodInfo,
  nsLabels: (ns: string) => Record<string, string> | undefined,
): boolean {
  const ns = target.namespace;
  if (!term.namespaces.has(ns)) {
    if (!term.namespaceSelector || !term.namespaceSelector.matches(nsLabels(ns) ?? {}))
      return false;
  }
  return term.selector.matches(target.labels);
}
