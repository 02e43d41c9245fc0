/**
 * The csrsigning controller: signs approved CertificateSigningRequests for
 * the kubernetes.io/kube-apiserver-client, kube-apiserver-client-kubelet and
 * kubelet-serving signers with the cluster CA (--cluster-signing-cert-file /
 * --cluster-signing-key-file), writing status.certificate through /status;
 * a request its signer refuses gets a Failed condition.
 */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import type { ResourceRef } from "../../client/rest-client.ts";
import { WorkQueue, runWorkers } from "../../client/workqueue/queue.ts";
import {
  csrState,
  isKnownSigner,
  issueForCsr,
  SignerValidationError,
  validateForSigner,
  type CaPair,
  type CsrSpec,
} from "./signing.ts";
import type { ControllerDeps } from "../queue-controller.ts";

export const csrRef: ResourceRef = {
  group: "certificates.k8s.io",
  version: "v1",
  resource: "certificatesigningrequests",
  namespaced: false,
};

export interface CsrSigningOptions extends ControllerDeps {
  /** The cluster CA; without it the controller signs nothing. */
  ca?: CaPair;
  /** --cluster-signing-duration, default one year. */
  maxDurationMs?: number;
}

export class CsrSigningController {
  private readonly queue: WorkQueue;
  private readonly csrs: SharedInformer;

  constructor(private readonly opts: CsrSigningOptions) {
    this.queue = new WorkQueue({
      clock: opts.clock,
      name: "certificate",
      metrics: opts.queueMetrics,
    });
    this.csrs = opts.informers.informerFor(csrRef);
    const enqueue = (o: KObject) => this.queue.add(o.metadata?.name ?? "");
    this.csrs.addEventHandler({ add: enqueue, update: (_, o) => enqueue(o) });
  }

  async run(workers: number, signal: AbortSignal): Promise<void> {
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await this.csrs.waitForSync(signal))) return;
    await runWorkers(this.queue, workers, (name) => this.sync(name));
  }

  async sync(name: string): Promise<void> {
    const ca = this.opts.ca;
    const obj = this.csrs.indexer.get(name);
    if (!ca || !obj || csrState(obj) !== "approved") return;
    const spec = obj.spec as CsrSpec;
    if (!isKnownSigner(spec.signerName)) return;
    const next = structuredClone(obj);
    const status = (next.status ?? {}) as Record<string, unknown>;
    try {
      const csr = validateForSigner(spec);
      const pem = issueForCsr(
        csr,
        spec,
        ca,
        this.opts.clock.now(),
        this.opts.maxDurationMs ?? 365 * 86_400_000,
      );
      status.certificate = Buffer.from(pem).toString("base64");
    } catch (err) {
      if (!(err instanceof SignerValidationError)) throw err;
      const now = new Date(this.opts.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
      status.conditions = [
        ...((status.conditions as unknown[]) ?? []),
        {
          type: "Failed",
          status: "True",
          reason: "SignerValidationFailure",
          message: err.message,
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ];
    }
    next.status = status;
    try {
      await this.opts.client.update(csrRef, next, { subresource: "status" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
