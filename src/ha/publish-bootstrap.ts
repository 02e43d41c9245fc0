/**
 * What a control-plane server publishes through the API once it serves, so
 * others can join (all idempotent, safe to run on every server start):
 * - kube-public/cluster-info (kubeconfig with the server URL and CA), kept
 *   with its existing token signatures when present, plus this server's URL
 *   in its k8ts-apiservers list (agents balance over that list);
 * - the RBAC kubeadm sets up for discovery (anonymous and bootstrap tokens
 *   may get cluster-info) plus a k8ts role letting control-plane tokens get
 *   the control-plane bundle Secret;
 * - the bundle Secret itself (see control-plane-bundle.ts), refreshed.
 */
import type { KObject } from "../api/types.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../client/api-error.ts";
import type { ResourceRef, RestClient } from "../client/rest-client.ts";
import { configMapsRef, secretsRef } from "../client/resources.ts";
import { CONTROL_PLANE_TOKEN_GROUP } from "./bootstrap-token.ts";
import { APISERVERS_KEY, CLUSTER_INFO, clusterInfoKubeconfig } from "./cluster-info.ts";
import { BUNDLE_SECRET, bundleSecret, type ControlPlaneBundle } from "./control-plane-bundle.ts";

const rbac = (resource: string): ResourceRef => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  resource,
  namespaced: true,
});
const rolesRef = rbac("roles");
const roleBindingsRef = rbac("rolebindings");

/** A Role granting get on one named object, and its binding to subjects. */
export function namedGetRole(
  namespace: string,
  name: string,
  resource: string,
  objectName: string,
  subjects: { kind: "User" | "Group"; name: string }[],
): { role: KObject; binding: KObject } {
  return {
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name, namespace },
      rules: [
        { apiGroups: [""], resources: [resource], resourceNames: [objectName], verbs: ["get"] },
      ],
    } as KObject,
    binding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name, namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: subjects.map((s) => ({ ...s, apiGroup: "rbac.authorization.k8s.io" })),
    } as KObject,
  };
}

/** Adds url to cluster-info's API server list (optimistic concurrency: a conflict throws). */
/**
 * Adds `url` to cluster-info's server list: read, then a patch guarded by
 * the resourceVersion read, re-read on conflicts (the bootstrap signer and
 * other servers write the same ConfigMap).
 */
async function addApiServer(client: RestClient, url: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const cm = await client.get<KObject & { data?: Record<string, string> }>(
      configMapsRef,
      CLUSTER_INFO.namespace,
      CLUSTER_INFO.name,
    );
    const list = (cm.data?.[APISERVERS_KEY] ?? "").split(",").filter((u) => u);
    if (list.includes(url)) return;
    try {
      await client.patch(configMapsRef, CLUSTER_INFO.namespace, CLUSTER_INFO.name, "merge", {
        metadata: { resourceVersion: cm.metadata?.resourceVersion },
        data: { [APISERVERS_KEY]: [...list, url].join(",") },
      });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= 10) throw err;
    }
  }
}

async function createIfMissing(client: RestClient, ref: ResourceRef, obj: KObject): Promise<void> {
  try {
    await client.create(ref, obj.metadata?.namespace, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Publishes cluster-info, the join RBAC and the bundle (see the module comment). */
export async function publishBootstrapInfo(
  client: RestClient,
  opts: { server: string; caPem: string; bundle?: ControlPlaneBundle },
): Promise<void> {
  const kubeconfig = clusterInfoKubeconfig(opts.server, opts.caPem);
  try {
    await client.get(configMapsRef, CLUSTER_INFO.namespace, CLUSTER_INFO.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await createIfMissing(client, configMapsRef, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { ...CLUSTER_INFO },
      data: { kubeconfig },
    } as KObject);
  }
  await addApiServer(client, opts.server);
  const discovery = namedGetRole(
    CLUSTER_INFO.namespace,
    "kubeadm:bootstrap-signer-clusterinfo",
    "configmaps",
    CLUSTER_INFO.name,
    [
      { kind: "User", name: "system:anonymous" },
      { kind: "Group", name: "system:bootstrappers" },
    ],
  );
  const join = namedGetRole(
    BUNDLE_SECRET.namespace,
    "k8ts:control-plane-join",
    "secrets",
    BUNDLE_SECRET.name,
    [{ kind: "Group", name: CONTROL_PLANE_TOKEN_GROUP }],
  );
  for (const { role, binding } of [discovery, join]) {
    await createIfMissing(client, rolesRef, role);
    await createIfMissing(client, roleBindingsRef, binding);
  }
  if (!opts.bundle) return;
  const secret = bundleSecret(opts.bundle);
  try {
    const current = await client.get<KObject>(
      secretsRef,
      BUNDLE_SECRET.namespace,
      BUNDLE_SECRET.name,
    );
    await client.update(secretsRef, { ...secret, metadata: { ...current.metadata } } as KObject);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await createIfMissing(client, secretsRef, secret);
  }
}
