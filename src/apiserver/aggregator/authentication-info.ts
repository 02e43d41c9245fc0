/**
 * Publishes how this API server authenticates, for extension API servers
 * that delegate authentication to it (upstream's
 * start-cluster-authentication-info-controller): the ConfigMap
 * kube-system/extension-apiserver-authentication with client-ca-file and the
 * requestheader-* keys (lists as JSON arrays), and the Role
 * extension-apiserver-authentication-reader that lets them read it.
 * Idempotent: existing objects are updated only when their content differs.
 * As upstream's cluster authentication trust controller, the CA bundles are
 * merged with the ones already published (several API servers share the
 * ConfigMap), so each server's CAs stay trusted.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { RequestHeaderConfig } from "../../auth/authenticators/request-header.ts";
import type { ServerContext } from "../context.ts";
import { RestStore } from "../rest-store.ts";

const SYSTEM = {
  dryRun: false,
  user: { username: "system:apiserver", groups: ["system:masters"] },
  subresource: "",
  fieldManager: "kube-apiserver",
};
export const AUTHENTICATION_CONFIGMAP = "extension-apiserver-authentication";
const READER_ROLE = "extension-apiserver-authentication-reader";

/** The ConfigMap data for a client CA and request-header settings. */
export function authenticationInfoData(
  clientCaPem: string | undefined,
  rh: RequestHeaderConfig | undefined,
): Record<string, string> {
  const data: Record<string, string> = {};
  if (clientCaPem) data["client-ca-file"] = clientCaPem;
  if (rh) {
    data["requestheader-client-ca-file"] = rh.clientCaPem;
    data["requestheader-allowed-names"] = JSON.stringify(rh.allowedNames);
    data["requestheader-username-headers"] = JSON.stringify(rh.usernameHeaders);
    if (rh.uidHeaders.length > 0) data["requestheader-uid-headers"] = JSON.stringify(rh.uidHeaders);
    data["requestheader-group-headers"] = JSON.stringify(rh.groupHeaders);
    data["requestheader-extra-headers-prefix"] = JSON.stringify(rh.extraHeaderPrefixes);
  }
  return data;
}

async function upsert(
  server: ServerContext,
  resource: [group: string, version: string, plural: string],
  desired: KObject,
  same: (cur: KObject) => boolean,
): Promise<void> {
  const def = server.registry.get(...resource);
  if (!def) return;
  const rest = new RestStore(server);
  const ns = desired.metadata!.namespace ?? "";
  const name = desired.metadata!.name!;
  const cur = await server.store.tryGet(def, ns, name);
  if (cur && same(cur)) return;
  try {
    if (!cur) await rest.create(def, structuredClone(desired), SYSTEM);
    else
      await rest.update(
        def,
        ns,
        name,
        async (obj) => ({ ...obj!, ...desired, metadata: obj!.metadata }),
        SYSTEM,
      );
  } catch (err) {
    if (!(err instanceof StatusError && err.reason === "AlreadyExists")) throw err;
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of `published` not in `ours`, then ours (each once). */
export function mergeCaBundles(published: string | undefined, ours: string): string {
  const mine = ours.match(PEM_BLOCK) ?? [];
  const theirs = (published ?? "").match(PEM_BLOCK) ?? [];
  const all = [...new Set([...theirs, ...mine])];
  return all.length > 0 ? `${all.join("\n")}\n` : ours;
}

/** Creates or updates the ConfigMap and the reader Role. */
export async function publishAuthenticationInfo(
  server: ServerContext,
  clientCaPem: string | undefined,
  requestHeader: RequestHeaderConfig | undefined,
): Promise<void> {
  const data = authenticationInfoData(clientCaPem, requestHeader);
  const cmDef = server.registry.get("", "v1", "configmaps")!;
  const published = (await server.store.tryGet(cmDef, "kube-system", AUTHENTICATION_CONFIGMAP))
    ?.data as Record<string, string> | undefined;
  for (const key of ["client-ca-file", "requestheader-client-ca-file"])
    if (data[key]) data[key] = mergeCaBundles(published?.[key], data[key]);
  await upsert(
    server,
    ["", "v1", "configmaps"],
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: AUTHENTICATION_CONFIGMAP, namespace: "kube-system" },
      data,
    },
    (cur) => JSON.stringify(cur.data ?? {}) === JSON.stringify(data),
  );
  const rules = [
    {
      apiGroups: [""],
      resources: ["configmaps"],
      resourceNames: [AUTHENTICATION_CONFIGMAP],
      verbs: ["get", "list", "watch"],
    },
  ];
  await upsert(
    server,
    ["rbac.authorization.k8s.io", "v1", "roles"],
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: {
        name: READER_ROLE,
        namespace: "kube-system",
        labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
        annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
      },
      rules,
    },
    (cur) => JSON.stringify(cur.rules) === JSON.stringify(rules),
  );
}
