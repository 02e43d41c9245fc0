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

/** An immutable index over a set of resource definitions. */
export class Registry {
  readonly #defs: ResourceDef[];
  readonly #byResource = new Map<string, ResourceDef>();
  readonly #byKind = new Map<string, ResourceDef>();
  readonly #byGroupVersion = new Map<string, ResourceDef[]>();
  readonly #groupVersions: GroupVersion[];

  /** Throws on a duplicate group/version/resource; kinds may repeat (first wins). */
  constructor(defs: ResourceDef[]) {
    this.#defs = [...defs];
    const groupOrder: string[] = [];
    const versionsByGroup = new Map<string, string[]>();
    for (const def of this.#defs) {
      const rk = key(def.group, def.version, def.resource);
      if (this.#byResource.has(rk)) throw new Error(`Cannot register ${rk}: already registered`);
      this.#byResource.set(rk, def);
      const kk = key(def.group, def.version, def.kind);
      if (!this.#byKind.has(kk)) this.#byKind.set(kk, def);
      const gv = `${def.group}/${def.version}`;
      const list = this.#byGroupVersion.get(gv);
      if (list) list.push(def);
      else this.#byGroupVersion.set(gv, [def]);
      let versions = versionsByGroup.get(def.group);
      if (!versions) {
        versions = [];
        versionsByGroup.set(def.group, versions);
        groupOrder.push(def.group);
      }
      if (!versions.includes(def.version)) versions.push(def.version);
    }
    this.#groupVersions = [];
    for (const group of groupOrder) {
      const versions = [...versionsByGroup.get(group)!].sort(compareKubeVersions);
      versions.forEach((version, i) =>
        this.#groupVersions.push({ group, version, preferred: i === 0 }),
      );
    }
  }

  /** Every definition, in registration order. */
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
   * order; within a group the preferred (highest priority) version first.
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
    ...schedulingResources(),
    ...coordinationResources(),
    ...nodeResources(),
    ...discoveryResources(),
  ];
}

let builtin: Registry | undefined;

/** The registry of built-in resources, built once per process. */
export function builtinRegistry(): Registry {
  builtin ??= new Registry(builtinResources());
  return builtin;
}
