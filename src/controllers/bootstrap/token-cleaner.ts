/**
 * The tokencleaner controller (upstream kube-controller-manager's
 * "tokencleaner"): deletes bootstrap token Secrets in kube-system once their
 * `expiration` has passed by the injected clock (with a UID precondition, so
 * a Secret re-created under the same name survives), and wakes at each
 * token's expiration. Secrets without an expiration are kept.
 */
import type { KObject } from "../../api/types.ts";
import { isConflict, isNotFound } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { InformerFactory } from "../../client/informer/informer-factory.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey, splitKey } from "../../client/informer/store.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { secretsRef } from "../../client/resources.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import { BOOTSTRAP_TOKEN_SECRET_TYPE } from "../../ha/bootstrap-token.ts";
import { TOKEN_NAMESPACE } from "./bootstrap-signer.ts";

/** Milliseconds until the Secret's token expires (≤ 0: expired); undefined: never expires. */
export function expiresIn(secret: KObject, now: number): number | undefined {
  const raw = ((secret.data ?? {}) as Record<string, string>).expiration;
  if (secret.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || raw === undefined) return undefined;
  const at = Date.parse(Buffer.from(raw, "base64").toString("utf8"));
  // An unparseable expiration counts as expired, as upstream's cleaner treats it.
  return Number.isNaN(at) ? 0 : at - now;
}

/** Deletes expired bootstrap token Secrets (see the module comment). */
export class TokenCleanerController {
  readonly #queue: WorkQueue;
  readonly #secrets: SharedInformer;

  constructor(
    private readonly opts: { client: RestClient; informers: InformerFactory; clock: Clock },
  ) {
    this.#queue = new WorkQueue({ clock: opts.clock });
    this.#secrets = opts.informers.informerFor(secretsRef, {
      namespace: TOKEN_NAMESPACE,
      fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}`,
    });
    const enqueue = (s: KObject) => this.#queue.add(objectKey(s));
    this.#secrets.addEventHandler({ add: enqueue, update: (_, s) => enqueue(s) });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.#queue.shutDown(), { once: true });
    if (!(await this.#secrets.waitForSync(signal))) return;
    await runWorkers(this.#queue, workers, (key) => this.sync(key));
  }

  async sync(key: string): Promise<void> {
    const secret = this.#secrets.indexer.get(key);
    if (!secret || secret.metadata?.deletionTimestamp) return;
    const left = expiresIn(secret, this.opts.clock.now());
    if (left === undefined) return;
    if (left > 0) {
      this.#queue.addAfter(key, left);
      return;
    }
    const { namespace, name } = splitKey(key);
    try {
      await this.opts.client.delete(secretsRef, namespace, name, {
        preconditions: { uid: secret.metadata?.uid },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
