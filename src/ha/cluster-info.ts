/**
 * The kube-public/cluster-info ConfigMap as kubeadm publishes it: a
 * kubeconfig with only the cluster (server URL and CA) under `kubeconfig`,
 * and for every signing bootstrap token a detached JWS of that kubeconfig
 * under `jws-kubeconfig-<token-id>` (HS256 keyed with the token secret), so a
 * joining node holding the token can tell the CA is the cluster's. Pure
 * functions only.
 */
import { createHash, createHmac, timingSafeEqual, X509Certificate } from "node:crypto";
import { parse } from "yaml";
import type { BootstrapToken } from "./bootstrap-token.ts";

export const CLUSTER_INFO = { namespace: "kube-public", name: "cluster-info" };
export const JWS_KEY_PREFIX = "jws-kubeconfig-";
/** Key listing every API server URL (comma-separated, unsigned), for agents' load balancers. */
export const APISERVERS_KEY = "k8ts-apiservers";

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The kubeconfig text stored in cluster-info. */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}`,
    `    server: ${JSON.stringify(server)}`,
    '  name: ""',
    "contexts: null",
    'current-context: ""',
    "preferences: {}",
    "users: null",
    "",
  ].join("\n");
}

/** Server URL and CA PEM of a cluster-info kubeconfig; throws when it has none. */
export function parseClusterInfoKubeconfig(text: string): { server: string; caPem: string } {
  const doc = parse(text) as { clusters?: { cluster?: Record<string, unknown> }[] } | null;
  const cluster = doc?.clusters?.[0]?.cluster;
  const ca = cluster?.["certificate-authority-data"];
  if (typeof cluster?.server !== "string" || typeof ca !== "string")
    throw new Error("Cannot parse cluster-info kubeconfig: no cluster with server and CA");
  return { server: cluster.server, caPem: Buffer.from(ca, "base64").toString("utf8") };
}

/** Detached compact JWS ("header..signature") of content, HS256 with the token secret. */
export function signDetached(content: string, token: BootstrapToken): string {
  const header = b64url(JSON.stringify({ alg: "HS256", kid: token.id }));
  const mac = createHmac("sha256", token.secret)
    .update(`${header}.${b64url(content)}`)
    .digest();
  return `${header}..${b64url(mac)}`;
}

/** True when jws is content's detached signature by this token (constant-time compare). */
export function verifyDetached(content: string, jws: string, token: BootstrapToken): boolean {
  const want = Buffer.from(signDetached(content, token));
  const got = Buffer.from(jws);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** kubeadm's CA pin: "sha256:" + hex SHA-256 of the CA's DER SubjectPublicKeyInfo. */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}
