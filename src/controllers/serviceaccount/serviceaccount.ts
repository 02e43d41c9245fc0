/**
 * Keeps the per-namespace objects every namespace has upstream: the "default"
 * ServiceAccount and the "kube-root-ca.crt" ConfigMap holding the cluster CA.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { configMapsRef, namespacesRef, serviceAccountsRef } from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

export const rootCAConfigMap = "kube-root-ca.crt";

export class ServiceAccountsController extends QueueController {
  private readonly namespaces: SharedInformer;
  private readonly serviceAccounts: SharedInformer;
  private readonly configMaps: SharedInformer;

  constructor(
    private readonly opts: ControllerDeps & {
      /** PEM of the cluster CA; without it no root CA config maps are published. */
      rootCA?: string;
    },
  ) {
    super("serviceaccount", opts);
    this.namespaces = this.informer(namespacesRef);
    this.serviceAccounts = this.informer(serviceAccountsRef);
    this.configMaps = this.informer(configMapsRef);
    const byName = (o: KObject) => this.queue.add(o.metadata?.name ?? "");
    const byNamespace = (o: KObject) => this.queue.add(o.metadata?.namespace ?? "");
    this.namespaces.addEventHandler({ add: byName, update: (_, o) => byName(o) });
    this.serviceAccounts.addEventHandler({ delete: byNamespace });
    this.configMaps.addEventHandler({ update: (_, o) => byNamespace(o), delete: byNamespace });
  }

  async sync(name: string): Promise<void> {
    const ns = this.namespaces.indexer.get(name);
    if (!ns || ns.metadata?.deletionTimestamp) return;
    if (!this.serviceAccounts.indexer.get(`${name}/default`)) {
      await this.createIgnoringExists(serviceAccountsRef, name, {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "default", namespace: name },
      });
    }
    const ca = this.opts.rootCA;
    if (!ca) return;
    const cm = this.configMaps.indexer.get(`${name}/${rootCAConfigMap}`) as
      (KObject & { data?: Record<string, string> }) | undefined;
    const desired = { "ca.crt": ca };
    if (!cm) {
      await this.createIgnoringExists(configMapsRef, name, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: rootCAConfigMap, namespace: name },
        data: desired,
      });
    } else if (cm.data?.["ca.crt"] !== ca) {
      try {
        await this.opts.client.update(configMapsRef, { ...cm, data: desired });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async createIgnoringExists(
    ref: typeof configMapsRef,
    namespace: string,
    obj: KObject,
  ): Promise<void> {
    try {
      await this.opts.client.create(ref, namespace, obj);
    } catch (err) {
      // Exists: someone else made it. 403 Forbidden: the namespace is terminating.
      if (!isAlreadyExists(err) && (err as { code?: number }).code !== 403 && !isNotFound(err))
        throw err;
    }
  }
}
