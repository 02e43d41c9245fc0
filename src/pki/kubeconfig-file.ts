/**
 * General kubeconfig files (what `k8ts kubeconfig` writes): one cluster,
 * user and context, with credentials embedded (base64 *-data) or referenced
 * by path, and merging into an existing kubeconfig without clobbering other
 * entries (same-named entries are replaced).
 */
import { resolve } from "node:path";

export interface KubeconfigSpec {
  server: string;
  cluster: string;
  user: string;
  context: string;
  /** CA / client certificate / key: file paths; embedded when `embed`. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  token?: string;
  embed: boolean;
  /** Reads a file's text (injected so the builder stays pure). */
  read: (path: string) => Promise<string>;
}

type Named = { name: string; [k: string]: unknown };
export interface KubeconfigDoc {
  apiVersion: string;
  kind: string;
  clusters: Named[];
  users: Named[];
  contexts: Named[];
  "current-context"?: string;
  preferences?: Record<string, unknown>;
  [k: string]: unknown;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Builds the kubeconfig object for a spec. */
export async function buildKubeconfig(spec: KubeconfigSpec): Promise<KubeconfigDoc> {
  const cluster: Record<string, unknown> = { server: spec.server };
  if (spec.caFile) {
    if (spec.embed) cluster["certificate-authority-data"] = b64(await spec.read(spec.caFile));
    else cluster["certificate-authority"] = resolve(spec.caFile);
  }
  const user: Record<string, unknown> = {};
  for (const [file, key] of [
    [spec.certFile, "client-certificate"],
    [spec.keyFile, "client-key"],
  ] as const) {
    if (!file) continue;
    if (spec.embed) user[`${key}-data`] = b64(await spec.read(file));
    else user[key] = resolve(file);
  }
  if (spec.token) user.token = spec.token;
  return {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: spec.cluster, cluster }],
    users: [{ name: spec.user, user }],
    contexts: [{ name: spec.context, context: { cluster: spec.cluster, user: spec.user } }],
    "current-context": spec.context,
    preferences: {},
  };
}

/** Merges `add` into `base`: entries of `add` replace same-named ones, others are kept. */
export function mergeKubeconfigs(
  base: Partial<KubeconfigDoc> | undefined,
  add: KubeconfigDoc,
): KubeconfigDoc {
  const merge = (a: Named[] | undefined, b: Named[]) => [
    ...(a ?? []).filter((x) => !b.some((y) => y.name === x.name)),
    ...b,
  ];
  return {
    ...(base ?? {}),
    apiVersion: "v1",
    kind: "Config",
    clusters: merge(base?.clusters, add.clusters),
    users: merge(base?.users, add.users),
    contexts: merge(base?.contexts, add.contexts),
    "current-context": add["current-context"],
    preferences: base?.preferences ?? {},
  };
}
