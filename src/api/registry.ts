/**
 * The resource registry: every served resource as one ResourceDef, indexed
 * for routing (group/version/resource), decoding (group/version/kind) and
 * discovery (group versions in upstream order, preferred version per group).
 */
import type { ResourceDef } from "./types.ts";
import { coreResources } from "./resources/core.ts";
import { appsResources } from "./resources/apps.ts";
import { batchResources } from "./resources/batch.ts";
import { autoscalingResources } from "./resources/autoscaling.ts";
import { policyResources } from "./resources/policy.ts";
import { coordinationResources } from "./resources/coordination.ts";
import { discoveryResources } from "./resources/discovery.ts";
import { networkingResources } from "./resources/networking.ts";
import { storageResources } from "./resources/storage.ts";
import { schedulingResources } from "./resources/scheduling.ts";
import { eventsResources } from "./resources/events.ts";
import { nodeResources } from "./resources/node.ts";
import { rbacResources } from "./resources/rbac.ts";
import { admissionregistrationResources } from "./resources/admissionregistration.ts";
import { apiregistrationResources } from "./resources/apiregistration.ts";
import { apiextensionsResources } from "./resources/apiextensions.ts";

/** One served group version; `preferred` marks the group's preferred version. */
export interface GroupVersion {
  group: string;
  version: string;
  preferred: boolean;
}

/**
 * Kubernetes version priority: GA > beta > alpha, then higher major, then
 * higher minor ("v2" > "v1" > "v1beta2" > "v1beta1" > "v1alpha1").
 * Negative when `a` sorts first (has higher priority).
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stability = m[2] === undefined ? 2 : m[2] === "beta" ? 1 : 0;
    return [stability, Number(m[1]), m[3] === undefined ? 0 : Number(m[3])];
  };
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < 3; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
  return a < b ? -1 : a > b ? 1 : 0;
}

const key = (group: string, version: string, name: string) => `${group}/${version}/${name}`;

/** Thrown when a dynamic definition would take a group/version/resource already served. */
export class RegistryConflictError extends Error {
  readonly code = "RegistryConflict";
  constructor(rk: string, owner: string) {
    super(`Cannot register ${rk}: already registered${owner ? ` by ${owner}` : ""}`);
    this.name = "RegistryConflictError";
  }
}

/**
 * An index over resource definitions: the fixed ones given to the
 * constructor plus dynamic ones (custom resources) registered per owner at
 * run time. Lookups are map reads; every change rebuilds the indexes (a few
 * hundred definitions) and notifies listeners synchronously.
 */
export class Registry {
  readonly #fixed: ResourceDef[];
  readonly #dynamic = new Map<string, ResourceDef[]>();
  #defs: ResourceDef[] = [];
  #byResource = new Map<string, ResourceDef>();
  #owners = new Map<string, string>();
  #byKind = new Map<string, ResourceDef>();
  #byGroupVersion = new Map<string, ResourceDef[]>();
  #groupVersions: GroupVersion[] = [];
  #generation = 0;
  readonly #listeners = new Set<() => void>();

  /** Throws on a duplicate group/version/resource; kinds may repeat (first wins). */
  constructor(defs: ResourceDef[]) {
    this.#fixed = [...defs];
    this.#rebuild(this.#fixed, new Map());
  }

  #rebuild(fixed: ResourceDef[], dynamic: Map<string, ResourceDef[]>): void {
    const byResource = new Map<string, ResourceDef>();
    const owners = new Map<string, string>();
    const byKind = new Map<string, ResourceDef>();
    const byGroupVersion = new Map<string, ResourceDef[]>();
    const groupOrder: string[] = [];
    const versionsByGroup = new Map<string, string[]>();
    const all: ResourceDef[] = [...fixed];
    const dynamicOwners = [...dynamic.keys()].sort();
    const owned: [string, ResourceDef][] = fixed.map((d) => ["", d]);
    for (const owner of dynamicOwners) {
      for (const d of dynamic.get(owner)!) {
        owned.push([owner, d]);
        all.push(d);
      }
    }
    // Dynamic groups come after the fixed ones, alphabetically (stable discovery order).
    const fixedGroups = new Set(fixed.map((d) => d.group));
    const dynGroups = [...new Set(owned.filter(([o]) => o !== "").map(([, d]) => d.group))]
      .filter((g) => !fixedGroups.has(g))
      .sort();
    for (const [owner, def] of owned) {
      const rk = key(def.group, def.version, def.resource);
      if (byResource.has(rk)) throw new RegistryConflictError(rk, owners.get(rk) ?? "");
      byResource.set(rk, def);
      owners.set(rk, owner);
      const kk = key(def.group, def.version, def.kind);
      if (!byKind.has(kk)) byKind.set(kk, def);
      const gv = `${def.group}/${def.version}`;
      const list = byGroupVersion.get(gv);
      if (list) list.push(def);
      else byGroupVersion.set(gv, [def]);
      let versions = versionsByGroup.get(def.group);
      if (!versions) {
        versions = [];
        versionsByGroup.set(def.group, versions);
        if (fixedGroups.has(def.group)) groupOrder.push(def.group);
      }
      if (!versions.includes(def.version)) versions.push(def.version);
    }
    groupOrder.push(...dynGroups);
    const groupVersions: GroupVersion[] = [];
    for (const group of groupOrder) {
      const versions = [...versionsByGroup.get(group)!].sort(compareKubeVersions);
      versions.forEach((version, i) => groupVersions.push({ group, version, preferred: i === 0 }));
    }
    this.#defs = all;
    this.#byResource = byResource;
    this.#owners = owners;
    this.#byKind = byKind;
    this.#byGroupVersion = byGroupVersion;
    this.#groupVersions = groupVersions;
  }

  /**
   * Replaces the dynamic definitions registered by `owner` (e.g. a CRD name)
   * with `defs`; an empty list removes them. Throws RegistryConflictError
   * (and changes nothing) when a def's group/version/resource is served by
   * someone else. Listeners run after the change.
   */
  setDynamic(owner: string, defs: ResourceDef[]): void {
    if (owner === "") throw new Error("Cannot register dynamic definitions: owner is empty");
    const next = new Map(this.#dynamic);
    if (defs.length === 0) next.delete(owner);
    else next.set(owner, [...defs]);
    if (defs.length === 0 && !this.#dynamic.has(owner)) return;
    this.#rebuild(this.#fixed, next);
    if (defs.length === 0) this.#dynamic.delete(owner);
    else this.#dynamic.set(owner, [...defs]);
    this.#generation++;
    for (const fn of [...this.#listeners]) {
      try {
        fn();
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }

  /** The dynamic definitions of `owner` (empty when none). */
  dynamic(owner: string): ResourceDef[] {
    return [...(this.#dynamic.get(owner) ?? [])];
  }

  /** Owner of the def serving group/version/resource: "" for fixed defs, undefined when not served. */
  ownerOf(group: string, version: string, resource: string): string | undefined {
    return this.#owners.get(key(group, version, resource));
  }

  /** Incremented on every change of the dynamic definitions (cache key for derived documents). */
  get generation(): number {
    return this.#generation;
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Every definition, fixed ones in registration order, then dynamic ones by owner. */
  all(): ResourceDef[] {
    return [...this.#defs];
  }

  /** The definition serving `resource` (plural) in group/version. */
  get(group: string, version: string, resource: string): ResourceDef | undefined {
    return this.#byResource.get(key(group, version, resource));
  }

  /** The definition serving `kind` in group/version. */
  byKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.#byKind.get(key(group, version, kind));
  }

  /**
   * Served group versions: the core group first, then groups in registration
   * order (dynamic groups last, alphabetically); within a group the preferred
   * (highest priority) version first.
   */
  groupVersions(): GroupVersion[] {
    return this.#groupVersions.map((gv) => ({ ...gv }));
  }

  /** Definitions served in group/version, in registration order. */
  resourcesIn(group: string, version: string): ResourceDef[] {
    return [...(this.#byGroupVersion.get(`${group}/${version}`) ?? [])];
  }

  /** The preferred version of a group, undefined when the group is not served. */
  preferredVersion(group: string): string | undefined {
    return this.#groupVersions.find((gv) => gv.group === group && gv.preferred)?.version;
  }

  /**
   * Resolves a name as kubectl would type it, within the preferred versions:
   * plural, singular, short name or kind (case-insensitive), optionally
   * qualified by group ("deployments.apps").
   */
  resolve(name: string): ResourceDef | undefined {
    const lower = name.toLowerCase();
    for (const gv of this.#groupVersions) {
      if (!gv.preferred) continue;
      for (const def of this.resourcesIn(gv.group, gv.version)) {
        const names = [
          def.resource,
          def.singular,
          def.kind.toLowerCase(),
          ...(def.shortNames ?? []),
        ];
        const qualified = def.group ? names.map((n) => `${n}.${def.group}`) : [];
        if (names.includes(lower) || qualified.includes(lower)) return def;
      }
    }
    return undefined;
  }
}

/** Every built-in definition, in upstream discovery order of groups. */
export function builtinResources(): ResourceDef[] {
  return [
    ...coreResources(),
    ...apiregistrationResources(),
    ...appsResources(),
    ...eventsResources(),
    ...autoscalingResources(),
    ...batchResources(),
    ...networkingResources(),
    ...policyResources(),
    ...rbacResources(),
    ...storageResources(),
    ...admissionregistrationResources(),
    ...apiextensionsResources(),
    ...schedulingResources(),
    ...coordinationResources(),
    ...nodeResources(),
    ...discoveryResources(),
  ];
}

let builtin: Registry | undefined;

/**
 * The registry of built-in resources, built once per process. Shared: give
 * each API server its own `new Registry(builtinResources())` when custom
 * resources are registered into it.
 */
export function builtinRegistry(): Registry {
  builtin ??= new Registry(builtinResources());
  return builtin;
}
