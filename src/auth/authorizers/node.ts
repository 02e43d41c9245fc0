/**
 * The Node authorizer: kubelets (user system:node:NAME in group
 * system:nodes) may get only the secrets, configmaps, persistent volume
 * claims (and their volumes) and service-account tokens referenced by pods
 * bound to their node, and their own Lease; everything else is checked
 * against the system:node rules, as upstream's node authorizer.
 */
import type { KObject } from "../../api/types.ts";
import type { Authorizer, AuthzAttributes, PolicyRule } from "../types.ts";
import { NO_OPINION } from "../types.ts";
import { ruleAllows } from "../rbac/rules.ts";

/** Lists the pods of a namespace ("" for all namespaces) and gets one object. */
export interface NodeGraphSource {
  podsOnNode(nodeName: string, namespace: string): Promise<KObject[]>;
  getPVC(namespace: string, name: string): Promise<KObject | undefined>;
}

/** The node name of a kubelet user, or undefined. */
export function nodeNameOf(user: { username: string; groups: string[] }): string | undefined {
  if (!user.groups.includes("system:nodes")) return undefined;
  const m = /^system:node:(.+)$/.exec(user.username);
  return m ? m[1] : undefined;
}

type Spec = Record<string, unknown>;

function podReferences(pod: KObject): Record<string, Set<string>> {
  const refs = {
    secrets: new Set<string>(),
    configmaps: new Set<string>(),
    persistentvolumeclaims: new Set<string>(),
    serviceaccounts: new Set<string>(),
  };
  const spec = (pod.spec ?? {}) as Spec;
  if (spec.serviceAccountName) refs.serviceaccounts.add(String(spec.serviceAccountName));
  for (const s of (spec.imagePullSecrets as { name?: string }[] | undefined) ?? [])
    if (s.name) refs.secrets.add(s.name);
  const containers = [
    ...((spec.containers as Spec[] | undefined) ?? []),
    ...((spec.initContainers as Spec[] | undefined) ?? []),
    ...((spec.ephemeralContainers as Spec[] | undefined) ?? []),
  ];
  for (const c of containers) {
    for (const e of (c.envFrom as Spec[] | undefined) ?? []) {
      const sr = e.secretRef as { name?: string } | undefined;
      const cr = e.configMapRef as { name?: string } | undefined;
      if (sr?.name) refs.secrets.add(sr.name);
      if (cr?.name) refs.configmaps.add(cr.name);
    }
    for (const e of (c.env as Spec[] | undefined) ?? []) {
      const vf = (e.valueFrom ?? {}) as Spec;
      const sk = vf.secretKeyRef as { name?: string } | undefined;
      const ck = vf.configMapKeyRef as { name?: string } | undefined;
      if (sk?.name) refs.secrets.add(sk.name);
      if (ck?.name) refs.configmaps.add(ck.name);
    }
  }
  const addVolume = (v: Spec) => {
    const secret = v.secret as { secretName?: string } | undefined;
    const cm = v.configMap as { name?: string } | undefined;
    const pvc = v.persistentVolumeClaim as { claimName?: string } | undefined;
    if (secret?.secretName) refs.secrets.add(secret.secretName);
    if (cm?.name) refs.configmaps.add(cm.name);
    if (pvc?.claimName) refs.persistentvolumeclaims.add(pvc.claimName);
    for (const s of ((v.projected as Spec | undefined)?.sources as Spec[] | undefined) ?? []) {
      const ps = s.secret as { name?: string } | undefined;
      const pc = s.configMap as { name?: string } | undefined;
      if (ps?.name) refs.secrets.add(ps.name);
      if (pc?.name) refs.configmaps.add(pc.name);
    }
    for (const key of [
      "azureFile",
      "cephfs",
      "cinder",
      "flexVolume",
      "iscsi",
      "rbd",
      "scaleIO",
      "storageos",
      "csi",
    ]) {
      const src = v[key] as { secretRef?: { name?: string }; secretName?: string } | undefined;
      if (src?.secretRef?.name) refs.secrets.add(src.secretRef.name);
      if (src?.secretName) refs.secrets.add(src.secretName);
    }
  };
  for (const v of (spec.volumes as Spec[] | undefined) ?? []) addVolume(v);
  return refs;
}

const GRAPH_RESOURCES = ["secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes"];

/** The Node authorizer; `nodeRules` are the system:node role's rules. */
export function nodeAuthorizer(source: NodeGraphSource, nodeRules: PolicyRule[]): Authorizer {
  const noRelationship = (node: string) => ({
    decision: "noOpinion" as const,
    reason: `no relationship found between node '${node}' and this object`,
  });

  async function related(node: string, attrs: AuthzAttributes): Promise<boolean> {
    if (attrs.resource === "persistentvolumes") {
      for (const pod of await source.podsOnNode(node, "")) {
        for (const claim of podReferences(pod).persistentvolumeclaims) {
          const pvc = await source.getPVC(pod.metadata?.namespace ?? "", claim);
          if ((pvc?.spec as Spec | undefined)?.volumeName === attrs.name) return true;
        }
      }
      return false;
    }
    const resource = attrs.resource === "serviceaccounts" ? "serviceaccounts" : attrs.resource;
    for (const pod of await source.podsOnNode(node, attrs.namespace))
      if (podReferences(pod)[resource]?.has(attrs.name)) return true;
    return false;
  }

  return {
    name: "Node",
    async authorize(attrs) {
      const node = nodeNameOf(attrs.user);
      if (node === undefined) return NO_OPINION;
      if (attrs.isResourceRequest && attrs.apiGroup === "") {
        const tokenRequest = attrs.resource === "serviceaccounts" && attrs.subresource === "token";
        if ((GRAPH_RESOURCES.includes(attrs.resource) && !attrs.subresource) || tokenRequest) {
          const verbOk = tokenRequest ? attrs.verb === "create" : attrs.verb === "get";
          if (!verbOk || !attrs.name) return noRelationship(node);
          return (await related(node, attrs))
            ? { decision: "allow", reason: "" }
            : noRelationship(node);
        }
      }
      if (
        attrs.isResourceRequest &&
        attrs.apiGroup === "coordination.k8s.io" &&
        attrs.resource === "leases"
      ) {
        if (attrs.namespace !== "kube-node-lease") return NO_OPINION;
        if (attrs.verb === "create" || attrs.name === node)
          return { decision: "allow", reason: "" };
        return noRelationship(node);
      }
      return nodeRules.some((r) => ruleAllows(attrs, r))
        ? { decision: "allow", reason: "" }
        : NO_OPINION;
    },
    async rulesFor(user) {
      return {
        rules: nodeNameOf(user) ? nodeRules : [],
        incomplete: nodeNameOf(user) !== undefined,
      };
    },
  };
}
