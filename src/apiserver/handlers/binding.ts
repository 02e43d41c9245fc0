/**
 * pods/binding and the bindings resource, as upstream's BindingREST: the
 * Binding is admitted as a CREATE (kind Binding), then assignPod writes the
 * pod straight to storage (no pod strategy, admission, managedFields or
 * no-op check): spec.nodeName, the Binding's annotations and the
 * PodScheduled=True condition. 409 when the pod is already bound, being
 * deleted or scheduling-gated, or a uid/resourceVersion precondition of the
 * Binding fails. Replies 201 Status Success.
 */
import { StatusError, badRequest } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { rfc3339 } from "../object-meta.ts";
import { runWriteStages, type AdmissionAttributes } from "../pipeline.ts";
import { successStatus } from "../response.ts";
import { guaranteedUpdate } from "../rest-store.ts";
import { readObject, reply, writeOptions } from "./common.ts";
import { checkPreconditions } from "./delete-options.ts";

/** What a Binding asks of its pod. */
interface Assignment {
  node: string;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
}

export async function handleBinding(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const pods = ctx.server.registry.get("", "v1", "pods")!;
  const binding = await readObject(ctx);
  if (binding.kind && binding.kind !== "Binding") {
    throw badRequest(
      `the kind in the data (${binding.kind}) does not match the expected kind (Binding)`,
    );
  }
  const namespace = ctx.info.namespace;
  const podName = ctx.info.resource === "pods" ? ctx.info.name : (binding.metadata?.name ?? "");
  if (ctx.info.resource === "pods" && binding.metadata?.name && binding.metadata.name !== podName) {
    throw badRequest(
      `the name of the object (${binding.metadata.name}) does not match the name on the URL (${podName})`,
    );
  }
  if (!podName)
    throw new StatusError("Invalid", `Binding "" is invalid: metadata.name: Required value`);
  checkTarget(binding, podName);
  const opts = writeOptions(ctx);
  const attrs: AdmissionAttributes = {
    operation: "CREATE",
    def,
    subresource: ctx.info.subresource,
    namespace,
    name: podName,
    object: binding,
    user: opts.user,
    dryRun: opts.dryRun,
    ...(opts.requestedFieldManager && { fieldManager: opts.requestedFieldManager }),
    warnings: opts.warnings,
    auditAnnotations: opts.auditAnnotations,
  };
  await runWriteStages(
    ctx.server.pipeline,
    attrs,
    (a) => checkTarget(a.object!, podName),
    (a) => {
      const admitted = a.object!;
      const meta = admitted.metadata ?? {};
      const assignment: Assignment = {
        node: (admitted.target as { name: string }).name,
        annotations: meta.annotations,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      };
      // upstream's assignPod: a guaranteed update of the stored pod.
      const now = rfc3339(ctx.server.clock.now());
      return guaranteedUpdate(ctx.server, pods, namespace, podName, opts.dryRun, (current) =>
        boundPod(current, assignment, now),
      );
    },
  );
  const status = successStatus();
  status.code = 201;
  await reply(ctx, 201, status, negotiated);
}

/** 422 unless the Binding names a target node. */
function checkTarget(binding: KObject, podName: string): void {
  const target = (binding.target ?? {}) as { name?: string };
  if (target.name) return;
  throw new StatusError("Invalid", `Binding "${podName}" is invalid: target.name: Required value`, {
    name: podName,
    kind: "Binding",
    causes: [{ reason: "FieldValueRequired", message: "Required value", field: "target.name" }],
  });
}

/**
 * The bound pod made from `current` (shared with the cache: never changed):
 * new top-level, spec and status objects, everything else shared. Throws
 * 409 when the pod cannot be bound.
 */
function boundPod(current: KObject, a: Assignment, now: string): KObject {
  const name = current.metadata?.name ?? "";
  checkPreconditions(
    { dryRun: false, preconditions: { uid: a.uid, resourceVersion: a.resourceVersion } },
    current,
    "pods",
    name,
  );
  const spec = (current.spec ?? {}) as { nodeName?: string; schedulingGates?: unknown[] };
  const why = current.metadata?.deletionTimestamp
    ? `pod ${name} is being deleted, cannot be assigned to a host`
    : spec.nodeName
      ? `pod ${name} is already assigned to node "${spec.nodeName}"`
      : spec.schedulingGates?.length
        ? `pod ${name} has non-empty .spec.schedulingGates`
        : undefined;
  if (why) {
    throw new StatusError(
      "Conflict",
      `Operation cannot be fulfilled on pods/binding "${name}": ${why}`,
      {
        name,
        kind: "pods/binding",
      },
    );
  }
  const next: KObject = { ...current, spec: { ...spec, nodeName: a.node } };
  if (a.annotations && Object.keys(a.annotations).length) {
    next.metadata = {
      ...current.metadata,
      annotations: { ...current.metadata?.annotations, ...a.annotations },
    };
  }
  next.status = withScheduledCondition(current.status as PodStatus | undefined, now);
  return next;
}

interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
}

interface PodStatus {
  conditions?: PodCondition[];
}

/**
 * upstream UpdatePodCondition with PodScheduled=True: the condition replaces
 * any PodScheduled one (reason and message go), keeping its transition time
 * when it was already True.
 */
function withScheduledCondition(status: PodStatus | undefined, now: string): PodStatus {
  const conditions = status?.conditions ?? [];
  const i = conditions.findIndex((c) => c.type === "PodScheduled");
  const old = conditions[i];
  const scheduled = {
    type: "PodScheduled",
    status: "True",
    lastProbeTime: null,
    lastTransitionTime:
      old?.status === "True" && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
  const next = [...conditions];
  if (i < 0) next.push(scheduled);
  else next[i] = scheduled;
  return { ...status, conditions: next };
}
