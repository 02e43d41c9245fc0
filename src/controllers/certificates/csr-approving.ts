/**
 * The csrapproving controller: auto-approves kubelet client certificate
 * requests (signer kubernetes.io/kube-apiserver-client-kubelet) as upstream
 * does, when the requester may create certificatesigningrequests/nodeclient
 * (bootstrap tokens: system:bootstrappers) or, for a node renewing its own
 * certificate (CN equal to the requesting user), .../selfnodeclient. The
 * permission is asked with a SubjectAccessReview.
 */
import type { KObject } from "../../api/types.ts";
import { isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import type { ResourceRef, RestClient } from "../../client/rest-client.ts";
import { parseCsrPem } from "../../pki/csr.ts";
import { csrRef } from "./csr-signing.ts";
import { csrState, KUBE_APISERVER_CLIENT_KUBELET } from "./signing.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";

const sarRef: ResourceRef = {
  group: "authorization.k8s.io",
  version: "v1",
  resource: "subjectaccessreviews",
  namespaced: false,
};

const CLIENT_USAGES = new Set(["digital signature", "key encipherment", "client auth"]);

export class CsrApprovingController extends QueueController {
  private readonly csrs: SharedInformer;

  constructor(private readonly opts: ControllerDeps) {
    super("csrapproving", opts);
    this.csrs = this.informer(csrRef);
    this.csrs.addEventHandler({ add: (o) => this.queue.add(o.metadata?.name ?? "") });
  }

  private async allowed(spec: Record<string, unknown>, subresource: string): Promise<boolean> {
    const review = (await this.opts.client.create(sarRef, undefined, {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: spec.username,
        uid: spec.uid,
        groups: spec.groups,
        extra: spec.extra,
        resourceAttributes: {
          group: "certificates.k8s.io",
          resource: "certificatesigningrequests",
          verb: "create",
          subresource,
        },
      },
    } as KObject)) as KObject & { status?: { allowed?: boolean } };
    return review.status?.allowed === true;
  }

  async sync(name: string): Promise<void> {
    const obj = this.csrs.indexer.get(name);
    if (!obj || csrState(obj) !== "pending") return;
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    if (spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET) return;
    let csr;
    try {
      csr = parseCsrPem(Buffer.from(String(spec.request ?? ""), "base64").toString("utf8"));
    } catch {
      return;
    }
    const usages = (spec.usages as string[] | undefined) ?? [];
    if (!usages.includes("client auth") || usages.some((u) => !CLIENT_USAGES.has(u))) return;
    if (
      !csr.commonName.startsWith("system:node:") ||
      csr.organizations.join(",") !== "system:nodes"
    )
      return;
    const self = csr.commonName === spec.username;
    const ok = self
      ? await this.allowed(spec, "selfnodeclient")
      : await this.allowed(spec, "nodeclient");
    if (!ok) return;
    const now = new Date(this.opts.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
    const next = structuredClone(obj);
    const status = (next.status ?? {}) as { conditions?: unknown[] };
    status.conditions = [
      ...(status.conditions ?? []),
      {
        type: "Approved",
        status: "True",
        reason: "AutoApproved",
        message: self
          ? "Auto approving self kubelet client certificate after SubjectAccessReview."
          : "Auto approving kubelet client certificate after SubjectAccessReview.",
        lastUpdateTime: now,
        lastTransitionTime: now,
      },
    ];
    next.status = status;
    try {
      await this.opts.client.update(csrRef, next, { subresource: "approval" });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
