/**
 * ServiceAccount admission, as upstream: a pod without a service account
 * gets "default"; the account must exist (403 otherwise); unless automounting
 * is off (pod first, then account), every container and init container gets
 * the projected `kube-api-access-<random>` volume (a bound token of 3607 s,
 * kube-root-ca.crt and the namespace) mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount; image pull secrets are
 * copied from the account when the pod has none. Mirror pods may not use
 * service accounts.
 */
import type { KObject } from "../../../api/types.ts";
import { realClock, type Clock } from "../../../client/clock.ts";
import type { AdmissionPlugin } from "../../pipeline.ts";
import { admissionForbidden, isPodWrite } from "./admission-error.ts";
import type { ServerRef } from "./server-ref.ts";
import { ObjectCache, listedOrStored } from "../../object-cache.ts";
import { objectKey } from "../../object-store.ts";
import { thenNow } from "../then-now.ts";

export const DEFAULT_SERVICE_ACCOUNT = "default";
export const DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
export const SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access";
/** Token lifetime of the projected volume: one hour plus seven seconds, as upstream. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 3607;
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
// Upstream's SimpleNameGenerator alphabet.
const NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

type Obj = Record<string, unknown>;
type Container = Obj & { name?: string; volumeMounts?: Obj[] };
type PodSpec = Obj & {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: (Obj & { name?: string })[];
  containers?: Container[];
  initContainers?: Container[];
  imagePullSecrets?: Obj[];
};

export interface ServiceAccountOptions {
  /** Random in [0, 1) for the volume name suffix and retry jitter (default Math.random). */
  random?: () => number;
  /** Waits between look-ups of the default account (default: the real clock). */
  clock?: Clock;
}

/** Look-ups of the "default" account, which its controller may not have created yet. */
const DEFAULT_ACCOUNT_ATTEMPTS = 10;

/** The projected volume upstream injects, named `name`. */
export function tokenVolume(name: string): Obj {
  return {
    name,
    projected: {
      sources: [
        {
          serviceAccountToken: {
            expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS,
            path: "token",
          },
        },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        {
          downwardAPI: {
            items: [
              {
                path: "namespace",
                fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" },
              },
            ],
          },
        },
      ],
      defaultMode: 420,
    },
  };
}

/** Pod setting first, then the account's, default true. */
export function shouldAutomount(sa: KObject, spec: PodSpec): boolean {
  if (typeof spec.automountServiceAccountToken === "boolean")
    return spec.automountServiceAccountToken;
  const saSetting = (sa as { automountServiceAccountToken?: boolean }).automountServiceAccountToken;
  return typeof saSetting === "boolean" ? saSetting : true;
}

/**
 * Mounts the token volume into every (init) container lacking a mount at the
 * default path, adding the volume when some container needs it. Idempotent.
 */
export function mountServiceAccountToken(spec: PodSpec, random: () => number): void {
  let volumeName = "";
  let hasVolume = false;
  for (const v of spec.volumes ?? []) {
    if ((v.name ?? "").startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`)) {
      volumeName = v.name ?? "";
      hasVolume = true;
      break;
    }
  }
  if (!volumeName) {
    let suffix = "";
    for (let i = 0; i < 5; i++)
      suffix += NAME_ALPHABET[Math.floor(random() * NAME_ALPHABET.length)];
    volumeName = `${SERVICE_ACCOUNT_VOLUME_NAME}-${suffix}`;
  }
  let needsVolume = false;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const mounts = c.volumeMounts ?? [];
    if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [
      ...mounts,
      { name: volumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH },
    ];
    needsVolume = true;
  }
  if (!hasVolume && needsVolume) spec.volumes = [...(spec.volumes ?? []), tokenVolume(volumeName)];
}

export function serviceAccountPlugin(
  server: ServerRef,
  opts: ServiceAccountOptions = {},
): AdmissionPlugin {
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? realClock;
  /** As upstream: the default account is looked up 10 times, 100-200 ms apart. */
  /** The account as the shared cache holds it now (no promise), else looked up as below. */
  const lookup = (namespace: string, name: string): KObject | Promise<KObject | undefined> => {
    const s = server.now();
    const def = s?.registry.get("", "v1", "serviceaccounts");
    const cached = def && ObjectCache.shared(s!, def).getNow(objectKey(def, namespace, name));
    return cached ?? lookupWithRetries(namespace, name);
  };
  const lookupWithRetries = async (
    namespace: string,
    name: string,
  ): Promise<KObject | undefined> => {
    const s = await server.get();
    const def = s.registry.get("", "v1", "serviceaccounts")!;
    const attempts = name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_ACCOUNT_ATTEMPTS : 1;
    const interval = 100 + Math.floor(random() * 100);
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise<void>((resolve) => clock.after(interval, resolve));
      // The shared cache first (upstream's lister), then storage: an account
      // created a moment ago is found either way.
      const sa = await listedOrStored(s, def, namespace, name);
      if (sa) return sa;
    }
    return undefined;
  };
  return {
    name: "ServiceAccount",
    admit(attrs) {
      if (!isPodWrite(attrs)) return;
      const pod = attrs.object!;
      const spec = (pod.spec ??= {}) as PodSpec;
      if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) {
        if (spec.serviceAccountName)
          throw admissionForbidden(attrs, "a mirror pod may not reference service accounts");
        return;
      }
      if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
      spec.serviceAccount = spec.serviceAccountName;
      const name = spec.serviceAccountName;
      return thenNow(lookup(attrs.namespace, name), (sa) => {
        if (!sa) {
          throw admissionForbidden(
            attrs,
            `error looking up service account ${attrs.namespace}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`,
          );
        }
        if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec, random);
        const pullSecrets = (sa as { imagePullSecrets?: Obj[] }).imagePullSecrets ?? [];
        if ((spec.imagePullSecrets ?? []).length === 0 && pullSecrets.length > 0)
          spec.imagePullSecrets = structuredClone(pullSecrets);
      });
    },
  };
}
