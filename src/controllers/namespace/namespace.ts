/**
 * The namespace controller: when a namespace is being deleted, deletes every
 * namespaced object in it, and once nothing is left removes the "kubernetes"
 * finalizer through the finalize subresource so the API server can drop it.
 */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import { discoverResources, type DiscoveredResource } from "../../client/discovery.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { resourcePath, type RestClient } from "../../client/rest-client.ts";
import { namespacesRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

type Namespace = KObject & { spec?: { finalizers?: string[] }; status?: { phase?: string } };

export class NamespaceController extends QueueController {
  private readonly namespaces: SharedInformer<Namespace>;

  constructor(private readonly opts: ControllerDeps) {
    super("namespace", opts);
    this.namespaces = this.informer<Namespace>(namespacesRef);
    const enqueue = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.queue.add(ns.metadata.name ?? "");
    };
    this.namespaces.addEventHandler({ add: enqueue, update: (_, ns) => enqueue(ns) });
  }

  async sync(name: string): Promise<void> {
    const ns = this.namespaces.indexer.get(name);
    if (!ns?.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes("kubernetes")) return;
    const resources = (await discoverResources(this.opts.client)).filter(
      (r) => r.ref.namespaced && r.verbs.includes("deletecollection") && r.verbs.includes("list"),
    );
    let remaining = 0;
    for (const r of resources) remaining += await this.deleteAllIn(r, name);
    if (remaining > 0) {
      // Objects with finalizers or grace periods take time to go; look again.
      this.queue.addAfter(name, 2000);
      return;
    }
    try {
      await this.opts.client.request("PUT", `/api/v1/namespaces/${name}/finalize`, {
        body: {
          ...ns,
          spec: {
            ...ns.spec,
            finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== "kubernetes"),
          },
        },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes the collection and returns how many objects are still present. */
  private async deleteAllIn(r: DiscoveredResource, namespace: string): Promise<number> {
    const path = resourcePath(r.ref, namespace);
    try {
      await this.opts.client.request("DELETE", path, {
        body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" },
      });
      const left = await this.opts.client.list(r.ref, namespace, { limit: 1 });
      return left.items.length;
    } catch (err) {
      if (isNotFound(err)) return 0;
      throw err;
    }
  }
}
