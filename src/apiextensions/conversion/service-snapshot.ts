/**
 * Synchronous service resolution for conversion webhooks: Services and
 * Endpoints are followed through the server's shared ObjectCaches, and a
 * snapshot of both is kept so a synchronous conversion can resolve a
 * clientConfig.service without awaiting. As the admission webhook client,
 * a service resolves to its first ready endpoint address of the matching
 * port, else its ClusterIP.
 *
 * Contract: call `ensure()` (async) before relying on `resolve()`; until the
 * first list completes, `resolve()` reports the service as not found.
 */
import type { KObject } from "../../api/types.ts";
import type { ServerContext } from "../../apiserver/context.ts";
import { ObjectCache } from "../../apiserver/object-cache.ts";
import { serviceTarget } from "../../apiserver/service-target.ts";

export class ServiceSnapshot {
  readonly #server: ServerContext;
  #services = new Map<string, KObject>();
  #endpoints = new Map<string, KObject>();
  #started?: Promise<void>;

  constructor(server: ServerContext) {
    this.#server = server;
  }

  /** Starts following Services and Endpoints; resolves after the first snapshot of both. */
  ensure(): Promise<void> {
    return (this.#started ??= Promise.all([
      this.#follow("services", (m) => (this.#services = m)),
      this.#follow("endpoints", (m) => (this.#endpoints = m)),
    ]).then(() => undefined));
  }

  async #follow(resource: string, set: (m: Map<string, KObject>) => void): Promise<void> {
    const def = this.#server.registry.get("", "v1", resource);
    if (!def) return;
    const cache = ObjectCache.shared(this.#server, def);
    const snapshot = async () => {
      const items = await cache.list();
      set(new Map(items.map((o) => [`${o.metadata?.namespace}/${o.metadata?.name}`, o])));
    };
    await snapshot();
    void (async () => {
      while (!this.#server.signal.aborted) {
        await cache.changed();
        if (this.#server.signal.aborted) return;
        try {
          await snapshot();
        } catch {
          // Storage unavailable: keep the last snapshot and wait for the next change.
        }
      }
    })();
  }

  /** The address for service port `port`; throws with upstream-like wording when none. */
  resolve(namespace: string, name: string, port: number): { host: string; port: number } {
    const key = `${namespace}/${name}`;
    return serviceTarget(
      this.#services.get(key),
      this.#endpoints.get(key),
      { namespace, name, port },
      (m) => new Error(m),
    );
  }
}
