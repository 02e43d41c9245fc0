/**
 * A watch kept open across every fault of bench:ha: an informer on the
 * bench's ConfigMaps through a client-side load balancer over all servers
 * (preferring the one whose etcd member or process is hit first), so it must
 * resume from its resourceVersion or re-list after a 410. At the end its
 * event log is compared with storage: every acknowledged write must have
 * been seen as exactly one add, and the watch's cache must equal the stored
 * set.
 */
import type { KObject } from "../src/api/types.ts";
import { SharedInformer } from "../src/client/informer/shared-informer.ts";
import { loadKubeconfig } from "../src/client/kubeconfig.ts";
import { RestClient } from "../src/client/rest-client.ts";
import { configMapsRef } from "../src/client/resources.ts";
import { ApiServerLoadBalancer } from "../src/ha/apiserver-lb.ts";

export interface WatchReport {
  /** Acknowledged writes the watch never delivered. */
  missed: string[];
  /** Objects delivered as an add more than once. */
  duplicated: string[];
  /** Names in storage and the watch's cache that differ (either way). */
  cacheMismatch: string[];
  /** Watch errors (dropped streams) the informer recovered from. */
  recoveredErrors: number;
}

export class WatchChecker {
  readonly #lb: ApiServerLoadBalancer;
  #client: RestClient | undefined;
  #informer: SharedInformer | undefined;
  readonly #adds = new Map<string, number>();
  #errors = 0;

  /** servers: API server URLs, the preferred first. */
  constructor(servers: string[]) {
    this.#lb = new ApiServerLoadBalancer(servers);
  }

  async start(kubeconfig: string): Promise<void> {
    const url = await this.#lb.listen();
    this.#client = new RestClient({ ...loadKubeconfig(kubeconfig), server: url });
    this.#informer = new SharedInformer(this.#client, configMapsRef, {
      namespace: "default",
      labelSelector: "bench=ha",
      onError: () => this.#errors++,
    });
    this.#informer.addEventHandler({
      add: (o) => this.#adds.set(o.metadata!.name!, (this.#adds.get(o.metadata!.name!) ?? 0) + 1),
    });
    this.#informer.start();
    await this.#informer.waitForSync();
  }

  /** Waits up to waitMs for the watch to catch up with acked, then compares with stored. */
  async finish(acked: string[], stored: Set<string>, waitMs = 30_000): Promise<WatchReport> {
    const inf = this.#informer!;
    const has = (n: string) => inf.indexer.get(`default/${n}`) !== undefined;
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !acked.every(has)) await new Promise((r) => setTimeout(r, 200));
    const cached = new Set(inf.indexer.list().map((o: KObject) => o.metadata!.name!));
    const report: WatchReport = {
      missed: acked.filter((n) => !this.#adds.has(n)),
      duplicated: [...this.#adds].filter(([, n]) => n > 1).map(([name]) => name),
      cacheMismatch: [
        ...[...stored].filter((n) => !cached.has(n)),
        ...[...cached].filter((n) => !stored.has(n)),
      ],
      recoveredErrors: this.#errors,
    };
    await this.close();
    return report;
  }

  async close(): Promise<void> {
    await this.#informer?.stop();
    this.#client?.close();
    await this.#lb.close();
  }
}
