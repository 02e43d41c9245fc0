/**
 * PodSecurity admission, as upstream's pod-security-admission: a namespace's
 * `pod-security.kubernetes.io/<mode>` labels (enforce, warn, audit) name a
 * level (privileged, baseline, restricted) and `<mode>-version` a version
 * (default "latest"). Pods violating the enforce level are rejected with
 * `violates PodSecurity "<level>:<version>": ...`; pods and workload pod
 * templates violating the warn level produce `would violate PodSecurity ...`
 * warnings (when the pipeline carries warnings). Updates are evaluated only
 * when the pod spec changed. Defaults and exemptions (usernames, namespaces,
 * runtime classes) come from a PodSecurityConfiguration. Audit annotations
 * as upstream: `pod-security.kubernetes.io/enforce-policy` on evaluated pods,
 * `.../audit-violations` when the audit level is violated and `.../exempt`
 * (namespace, user, runtimeClass) for exempted requests.
 */
import type { KObject } from "../../../../api/types.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../../pipeline.ts";
import { addWarning, admissionForbidden } from "../admission-error.ts";
import type { ServerRef } from "../server-ref.ts";
import { cachedOrStored, listedOrStored } from "../../../object-cache.ts";
import { evaluatePod, formatFailures, type PodMeta, type PodSpec } from "./checks.ts";
import { thenNow } from "../../then-now.ts";

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
const LEVELS = new Set(["privileged", "baseline", "restricted"]);

export interface NamespacePolicy {
  level: string;
  version: string;
}

/**
 * PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1):
 * defaults for unlabelled namespaces and exemptions.
 */
export interface PodSecurityConfiguration {
  defaults?: Record<string, string>;
  exemptions?: { usernames?: string[]; namespaces?: string[]; runtimeClasses?: string[] };
}

/**
 * The policy of one mode from namespace labels, falling back to the
 * configured defaults (privileged, latest); invalid levels evaluate as restricted.
 */
export function policyFor(
  labels: Record<string, string>,
  mode: string,
  defaults: Record<string, string> = {},
): NamespacePolicy {
  const raw = labels[`${LABEL_PREFIX}${mode}`] ?? defaults[mode];
  const version =
    labels[`${LABEL_PREFIX}${mode}-version`] || defaults[`${mode}-version`] || "latest";
  if (raw === undefined) return { level: "privileged", version };
  return { level: LEVELS.has(raw) ? raw : "restricted", version };
}

/** Where workload kinds keep their pod template spec. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  "/podtemplates": ["template", "spec"],
  "/replicationcontrollers": ["spec", "template", "spec"],
  "apps/replicasets": ["spec", "template", "spec"],
  "apps/deployments": ["spec", "template", "spec"],
  "apps/statefulsets": ["spec", "template", "spec"],
  "apps/daemonsets": ["spec", "template", "spec"],
  "batch/jobs": ["spec", "template", "spec"],
  "batch/cronjobs": ["spec", "jobTemplate", "spec", "template", "spec"],
};

function dig(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) cur = (cur as Record<string, unknown> | undefined)?.[p];
  return cur;
}

/** The pod spec an object carries: its own for pods, its template's for workloads. */
export function podSpecOf(
  attrs: AdmissionAttributes,
): { spec: PodSpec; meta: PodMeta; isPod: boolean } | undefined {
  if (!attrs.object) return undefined;
  const key = `${attrs.def.group}/${attrs.def.resource}`;
  if (key === "/pods") {
    if (attrs.subresource !== "" && attrs.subresource !== "ephemeralcontainers") return undefined;
    const meta = (attrs.object.metadata ?? {}) as PodMeta;
    return { spec: (attrs.object.spec ?? {}) as PodSpec, meta, isPod: true };
  }
  if (attrs.subresource !== "") return undefined;
  const path = TEMPLATE_PATHS[key];
  const spec = path ? dig(attrs.object, path) : undefined;
  if (!spec) return undefined;
  const meta = (dig(attrs.object, [...path!.slice(0, -1), "metadata"]) ?? {}) as PodMeta;
  return { spec: spec as PodSpec, meta, isPod: false };
}

const isNamespace = (attrs: AdmissionAttributes) =>
  attrs.def.group === "" && attrs.def.resource === "namespaces";

const EXEMPT_ANNOTATION = `${LABEL_PREFIX}exempt`;
const ENFORCE_POLICY_ANNOTATION = `${LABEL_PREFIX}enforce-policy`;
const AUDIT_VIOLATIONS_ANNOTATION = `${LABEL_PREFIX}audit-violations`;

function annotate(attrs: AdmissionAttributes, key: string, value: string): void {
  if (attrs.auditAnnotations) attrs.auditAnnotations[key] ??= value;
}

function specUnchanged(attrs: AdmissionAttributes): boolean {
  if (attrs.operation !== "UPDATE" || !attrs.oldObject) return false;
  const old = podSpecOf({ ...attrs, object: attrs.oldObject });
  const now = podSpecOf(attrs);
  return JSON.stringify(old?.spec) === JSON.stringify(now?.spec);
}

export function podSecurityPlugin(
  server: ServerRef,
  config: PodSecurityConfiguration = {},
): AdmissionPlugin {
  const exempt = config.exemptions ?? {};
  /**
   * A namespace update that tightens the enforce level warns about the pods
   * already there that violate it, as upstream (reasons without details).
   */
  async function warnAboutExistingPods(attrs: AdmissionAttributes): Promise<void> {
    if (attrs.operation !== "UPDATE" || attrs.subresource !== "" || !attrs.object) return;
    const labels = attrs.object.metadata?.labels ?? {};
    const enforce = policyFor(labels, "enforce", config.defaults);
    const before = policyFor(attrs.oldObject?.metadata?.labels ?? {}, "enforce", config.defaults);
    if (enforce.level === "privileged") return;
    if (enforce.level === before.level && enforce.version === before.version) return;
    const name = attrs.object.metadata?.name ?? "";
    if (exempt.namespaces?.includes(name)) return;
    const s = await server.get();
    const def = s.registry.get("", "v1", "pods")!;
    const pods = (await s.store.list(def, name, {})).items.map((i) => i.obj);
    const lines: string[] = [];
    for (const pod of pods.sort((a, b) =>
      (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1,
    )) {
      const failures = evaluatePod(
        enforce.level,
        (pod.spec ?? {}) as PodSpec,
        (pod.metadata ?? {}) as PodMeta,
      );
      if (failures.length)
        lines.push(`${pod.metadata?.name}: ${failures.map((f) => f.reason).join(", ")}`);
    }
    if (lines.length === 0) return;
    addWarning(
      attrs,
      `existing pods in namespace "${name}" violate the new PodSecurity enforce level "${enforce.level}:${enforce.version}"`,
    );
    for (const line of lines) addWarning(attrs, line);
  }

  /** The shared namespace cache first (upstream's lister; no promise on a hit), then storage. */
  const namespaceOf = (name: string): KObject | Promise<KObject | undefined> => {
    const s = server.now();
    if (s) return cachedOrStored(s, s.registry.get("", "v1", "namespaces")!, "", name);
    return server
      .get()
      .then((s) => listedOrStored(s, s.registry.get("", "v1", "namespaces")!, "", name));
  };

  return {
    name: "PodSecurity",
    validate(attrs) {
      if (attrs.operation !== "CREATE" && attrs.operation !== "UPDATE") return;
      if (isNamespace(attrs)) return warnAboutExistingPods(attrs);
      const target = podSpecOf(attrs);
      if (!target || specUnchanged(attrs)) return;
      const exemption = exempt.namespaces?.includes(attrs.namespace)
        ? "namespace"
        : exempt.usernames?.includes(attrs.user.username)
          ? "user"
          : target.spec.runtimeClassName !== undefined &&
              exempt.runtimeClasses?.includes(String(target.spec.runtimeClassName))
            ? "runtimeClass"
            : undefined;
      if (exemption) {
        annotate(attrs, EXEMPT_ANNOTATION, exemption);
        return;
      }
      return thenNow(namespaceOf(attrs.namespace), (ns) => {
        const labels = ns?.metadata?.labels ?? {};
        const enforce = policyFor(labels, "enforce", config.defaults);
        const warn = policyFor(labels, "warn", config.defaults);
        const audit = policyFor(labels, "audit", config.defaults);
        if (target.isPod) {
          annotate(attrs, ENFORCE_POLICY_ANNOTATION, `${enforce.level}:${enforce.version}`);
          const failures = evaluatePod(enforce.level, target.spec, target.meta);
          if (failures.length)
            throw admissionForbidden(
              attrs,
              `violates PodSecurity "${enforce.level}:${enforce.version}": ${formatFailures(failures)}`,
            );
        }
        if (audit.level !== "privileged") {
          const failures = evaluatePod(audit.level, target.spec, target.meta);
          if (failures.length)
            annotate(
              attrs,
              AUDIT_VIOLATIONS_ANNOTATION,
              `would violate PodSecurity "${audit.level}:${audit.version}": ${formatFailures(failures)}`,
            );
        }
        if (warn.level !== "privileged") {
          const failures = evaluatePod(warn.level, target.spec, target.meta);
          if (failures.length)
            addWarning(
              attrs,
              `would violate PodSecurity "${warn.level}:${warn.version}": ${formatFailures(failures)}`,
            );
        }
      });
    },
  };
}
