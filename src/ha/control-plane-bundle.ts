/**
 * What every control-plane server of a cluster must share, and how a joining
 * server receives it: the cluster CA (to issue its serving and client
 * certificates), the service-account key pair (tokens signed by any server
 * verify on all), the etcd CA (to issue its member certificates), the
 * encryption-at-rest config (secrets written through one server decrypt on
 * all) and the etcd client URLs. It travels as the kube-system Secret
 * `k8ts-control-plane`, readable only by admins and by bootstrap tokens in
 * the control-plane group (the role kubeadm gives its kubeadm-certs Secret).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { KObject } from "../api/types.ts";

export const BUNDLE_SECRET = { namespace: "kube-system", name: "k8ts-control-plane" };

/** The shared files, each as text, keyed by path relative to the data dir. */
export const BUNDLE_FILES = {
  "ca.crt": "tls/ca.crt",
  "ca.key": "tls/ca.key",
  "sa.key": "tls/sa.key",
  "sa.pub": "tls/sa.pub",
  "etcd-ca.crt": "tls/etcd/ca.crt",
  "etcd-ca.key": "tls/etcd/ca.key",
  "encryption-config.json": "cred/encryption-config.json",
  // One front-proxy CA for every server (as kubeadm shares it): extension API
  // servers trust one request-header CA whichever server proxies to them.
  "front-proxy-ca.crt": "tls/front-proxy-ca.crt",
  "front-proxy-ca.key": "tls/front-proxy-ca.key",
} as const;

export type BundleKey = keyof typeof BUNDLE_FILES;

export interface ControlPlaneBundle {
  files: Partial<Record<BundleKey, string>>;
  /** Client URLs of the etcd members (empty when the datastore is not managed etcd). */
  etcdEndpoints: string[];
}

/** Reads the shared files a server has (missing ones are left out). */
export async function readLocalBundle(
  dataDir: string,
  etcdEndpoints: string[],
): Promise<ControlPlaneBundle> {
  const files: ControlPlaneBundle["files"] = {};
  for (const [key, rel] of Object.entries(BUNDLE_FILES) as [BundleKey, string][]) {
    const path = join(dataDir, rel);
    if (existsSync(path)) files[key] = await readFile(path, "utf8");
  }
  return { files, etcdEndpoints };
}

/** Writes the bundle's files under a data dir (keys 0600); files that exist are replaced. */
export async function writeLocalBundle(dataDir: string, bundle: ControlPlaneBundle): Promise<void> {
  for (const [key, text] of Object.entries(bundle.files) as [BundleKey, string][]) {
    const path = join(dataDir, BUNDLE_FILES[key]);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const secret = key.endsWith(".key") || key === "encryption-config.json";
    await writeFile(path, text, { mode: secret ? 0o600 : 0o644 });
  }
}

/** The Secret carrying a bundle. */
export function bundleSecret(bundle: ControlPlaneBundle): KObject {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(bundle.files)) data[k] = Buffer.from(v).toString("base64");
  data["etcd-endpoints"] = Buffer.from(bundle.etcdEndpoints.join(",")).toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { ...BUNDLE_SECRET },
    type: "Opaque",
    data,
  } as KObject;
}

/** Reads a bundle Secret; throws when the cluster CA is missing from it. */
export function bundleFromSecret(secret: KObject): ControlPlaneBundle {
  const data = (secret.data ?? {}) as Record<string, string>;
  const text = (k: string) => (data[k] ? Buffer.from(data[k], "base64").toString("utf8") : "");
  const files: ControlPlaneBundle["files"] = {};
  for (const key of Object.keys(BUNDLE_FILES) as BundleKey[]) if (data[key]) files[key] = text(key);
  if (!files["ca.crt"] || !files["ca.key"])
    throw new Error(`Secret ${BUNDLE_SECRET.namespace}/${BUNDLE_SECRET.name} has no cluster CA`);
  return {
    files,
    etcdEndpoints: text("etcd-endpoints")
      .split(",")
      .filter((e) => e),
  };
}
