/**
 * What pods reference in the API, read on demand: config maps and secrets
 * (decoded to strings), persistent volume claims and their volumes, and
 * service-account tokens (TokenRequest).
 */
import { isNotFound } from "../client/api-error.ts";
import { resourcePath, type RestClient } from "../client/rest-client.ts";
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.d.ts";
import {
  configMapsRef,
  persistentVolumeClaimsRef,
  persistentVolumesRef,
  secretsRef,
  serviceAccountsRef,
} from "../client/resources.ts";
import type { ObjectSource } from "./pod/env.ts";
import type { TokenRequester } from "./token-manager.ts";

export function apiObjectSource(client: RestClient): ObjectSource {
  const get = async <T>(ref: typeof configMapsRef, ns: string | undefined, name: string) => {
    try {
      return (await client.get(ref, ns, name)) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  type Data = { data?: Record<string, string>; binaryData?: Record<string, string> };
  const read = (ref: typeof configMapsRef, ns: string, name: string) => get<Data>(ref, ns, name);
  return {
    async configMap(ns, name) {
      const cm = await read(configMapsRef, ns, name);
      if (!cm) return undefined;
      const out: Record<string, string> = { ...(cm.data ?? {}) };
      for (const [k, v] of Object.entries(cm.binaryData ?? {}))
        out[k] = Buffer.from(v, "base64").toString("latin1");
      return out;
    },
    async secret(ns, name) {
      const s = await read(secretsRef, ns, name);
      if (!s) return undefined;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.data ?? {}))
        out[k] = Buffer.from(v, "base64").toString();
      for (const [k, v] of Object.entries(
        (s as { stringData?: Record<string, string> }).stringData ?? {},
      ))
        out[k] = v;
      return out;
    },
    persistentVolumeClaim: (ns, name) =>
      get<PersistentVolumeClaim>(persistentVolumeClaimsRef, ns, name),
    persistentVolume: (name) => get<PersistentVolume>(persistentVolumesRef, undefined, name),
  };
}

/** TokenRequest against serviceaccounts/<name>/token, bound to the pod. */
export function apiTokenRequester(client: RestClient, now: () => number): TokenRequester {
  return async ({ namespace, serviceAccount, audience, expirationSeconds, pod }) => {
    const sent = now();
    const res = await client.request<{
      status?: { token?: string; expirationTimestamp?: string };
    }>("POST", resourcePath(serviceAccountsRef, namespace, serviceAccount, "token"), {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenRequest",
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: {
            apiVersion: "v1",
            kind: "Pod",
            name: pod.metadata?.name,
            uid: pod.metadata?.uid,
          },
        },
      },
    });
    if (!res.status?.token)
      throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
    const exp = Date.parse(res.status.expirationTimestamp ?? "");
    return {
      token: res.status.token,
      expiresAt: Number.isFinite(exp) ? exp : sent + expirationSeconds * 1000,
    };
  };
}
