/**
 * The bootstrapsigner controller (upstream kube-controller-manager's
 * "bootstrapsigner"): keeps one detached JWS `jws-kubeconfig-<token-id>` of
 * the `kubeconfig` key of kube-public/cluster-info for every valid signing
 * bootstrap token in kube-system, whoever created the token Secret (k8ts
 * token or kubectl), and removes the signatures of tokens that are gone,
 * expired or no longer usable for signing. Other keys of the ConfigMap are
 * left alone.
 *
 * A token signs when its Secret has type bootstrap.kubernetes.io/token, is
 * named bootstrap-token-<token-id>, holds a well-formed id and secret, has
 * usage-bootstrap-signing "true", is not being deleted and has not expired
 * by the injected clock. The controller wakes at the next expiration.
 */
import type { KObject } from "../../api/types.ts";
import type { Clock } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { configMapsRef, secretsRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import {
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  tokenInfo,
  type TokenInfo,
} from "../../ha/bootstrap-token.ts";
import { CLUSTER_INFO, JWS_KEY_PREFIX, signDetached } from "../../ha/cluster-info.ts";
import { waitForCacheSync } from "../../client/informer/shared-informer.ts";

export const TOKEN_NAMESPACE = "kube-system";

type ConfigMap = KObject & { data?: Record<string, string> };

/** The token a Secret holds when it is a well-formed bootstrap token Secret named after its id. */
export function bootstrapTokenOf(secret: KObject): TokenInfo | undefined {
  if (secret.metadata?.deletionTimestamp) return undefined;
  const info = tokenInfo(secret);
  if (!info || secret.metadata?.name !== BOOTSTRAP_TOKEN_SECRET_PREFIX + info.token.id)
    return undefined;
  return info;
}

/** True when the token's expiration has passed at now (tokens without one never expire). */
export function isExpired(info: TokenInfo, now: number): boolean {
  const at = info.expiration?.getTime();
  return at !== undefined && (Number.isNaN(at) || at <= now);
}

/**
 * The data cluster-info should hold: `data` without its jws-kubeconfig-*
 * keys, plus one signature of data.kubeconfig per valid signing token.
 * Undefined when data has no kubeconfig (nothing to sign: left alone).
 */
export function signedClusterInfoData(
  data: Record<string, string>,
  secrets: KObject[],
  now: number,
): Record<string, string> | undefined {
  const content = data.kubeconfig;
  if (content === undefined) return undefined;
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (!k.startsWith(JWS_KEY_PREFIX)) next[k] = v;
  for (const s of secrets) {
    const info = bootstrapTokenOf(s);
    if (!info || !info.usages.includes("signing") || isExpired(info, now)) continue;
    next[JWS_KEY_PREFIX + info.token.id] = signDetached(content, info.token);
  }
  return next;
}

/** Milliseconds until the earliest future expiration among the secrets, if any. */
export function nextExpiry(secrets: KObject[], now: number): number | undefined {
  let best: number | undefined;
  for (const s of secrets) {
    const at = bootstrapTokenOf(s)?.expiration?.getTime();
    if (at === undefined || Number.isNaN(at) || at <= now) continue;
    if (best === undefined || at - now < best) best = at - now;
  }
  return best;
}

const sameData = (a: Record<string, string>, b: Record<string, string>) => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** Keeps kube-public/cluster-info signed by the valid bootstrap tokens (see the module comment). */
export class BootstrapSignerController {
  readonly #queue: WorkQueue;
  readonly #secrets: SharedInformer;
  readonly #configMaps: SharedInformer<ConfigMap>;
  readonly #key = `${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}`;

  constructor(
    private readonly opts: { client: RestClient; informers: InformerFactory; clock: Clock },
  ) {
    this.#queue = new WorkQueue({ clock: opts.clock });
    this.#secrets = opts.informers.informerFor(secretsRef, {
      namespace: TOKEN_NAMESPACE,
      fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}`,
    });
    this.#configMaps = opts.informers.informerFor<ConfigMap>(configMapsRef, {
      namespace: CLUSTER_INFO.namespace,
      fieldSelector: `metadata.name=${CLUSTER_INFO.name}`,
    });
    const enqueue = () => this.#queue.add(this.#key);
    for (const inf of [this.#secrets, this.#configMaps])
      inf.addEventHandler({ add: enqueue, update: enqueue, delete: enqueue });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, [this.#secrets, this.#configMaps]))) return;
    this.#queue.add(this.#key);
    // One key only: more workers would just wait.
    await runWorkers(this.#queue, Math.min(workers, 1), () => this.sync());
  }

  /** One pass: cluster-info's signatures brought in line with the token Secrets. */
  async sync(): Promise<void> {
    const now = this.opts.clock.now();
    const secrets = this.#secrets.indexer.list();
    const wake = nextExpiry(secrets, now);
    if (wake !== undefined) this.#queue.addAfter(this.#key, wake);
    const cm = this.#configMaps.indexer.get(this.#key);
    if (!cm) return;
    const data = cm.data ?? {};
    const next = signedClusterInfoData(data, secrets, now);
    if (!next || sameData(data, next)) return;
    // A conflict (stale cache) fails the sync; the retry sees the newer object.
    await this.opts.client.update(configMapsRef, { ...cm, data: next } as ConfigMap);
  }
}
