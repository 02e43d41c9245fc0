/**
 * pods/binding and the bindings resource: sets spec.nodeName of an unbound
 * pod (409 when already bound or being deleted). Replies 201 Status Success.
 */
import { StatusError, badRequest, notFound } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { RestStore } from "../rest-store.ts";
import { successStatus } from "../response.ts";
import { readObject, reply, writeOptions } from "./common.ts";

export async function handleBinding(ctx: RequestContext, _def: ResourceDef): Promise<void> {
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
  const target = (binding.target ?? {}) as { kind?: string; name?: string };
  if (!target.name) {
    throw new StatusError(
      "Invalid",
      `Binding "${podName}" is invalid: target.name: Required value`,
      {
        name: podName,
        kind: "Binding",
        causes: [{ reason: "FieldValueRequired", message: "Required value", field: "target.name" }],
      },
    );
  }
  const opts = { ...writeOptions(ctx), subresource: "binding" };
  await new RestStore(ctx.server).update(
    pods,
    namespace,
    podName,
    async (current) => {
      if (!current) throw notFound("", "pods", podName);
      const spec = (current.spec ?? {}) as { nodeName?: string };
      const why = current.metadata?.deletionTimestamp
        ? `pod ${podName} is being deleted, cannot be assigned to a host`
        : spec.nodeName
          ? `pod ${podName} is already assigned to node "${spec.nodeName}"`
          : undefined;
      if (why) {
        throw new StatusError(
          "Conflict",
          `Operation cannot be fulfilled on pods/binding "${podName}": ${why}`,
          {
            name: podName,
            kind: "pods/binding",
          },
        );
      }
      const next: KObject = current; // the store hands the transform its own copy
      next.spec = { ...spec, nodeName: target.name };
      const annotations = binding.metadata?.annotations;
      if (annotations)
        next.metadata!.annotations = { ...(next.metadata!.annotations ?? {}), ...annotations };
      const rv = binding.metadata?.resourceVersion;
      if (rv) next.metadata!.resourceVersion = rv;
      else delete next.metadata!.resourceVersion;
      const uid = binding.metadata?.uid;
      if (uid && uid !== current.metadata?.uid) {
        throw new StatusError(
          "Conflict",
          `Operation cannot be fulfilled on pods/binding "${podName}": the UID in the precondition (${uid}) does not match the UID in record (${current.metadata?.uid})`,
        );
      }
      return next;
    },
    opts,
  );
  const status = successStatus();
  status.code = 201;
  await reply(ctx, 201, status, negotiated);
}
