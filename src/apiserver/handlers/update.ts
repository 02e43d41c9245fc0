/**
 * PUT of an object or of its status: the body replaces the stored object;
 * a resourceVersion in the body is a precondition (stale → 409). Creating
 * through PUT only for the resources upstream allows it.
 */
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { checkNameMatchesURL, checkNamespace, checkTypeMeta } from "../object-meta.ts";
import { RestStore } from "../rest-store.ts";
import { checkUnknownFields, readObject, reply, writeOptions } from "./common.ts";
import { copyJson } from "../../util/json-copy.ts";

/** Resources whose strategies have AllowCreateOnUpdate upstream. */
const CREATE_ON_UPDATE = new Set([
  "/endpoints",
  "/events",
  "/limitranges",
  "/replicationcontrollers",
  "/serviceaccounts",
  "coordination.k8s.io/leases",
  "discovery.k8s.io/endpointslices",
  "events.k8s.io/events",
]);

export function allowsCreateOnUpdate(def: ResourceDef): boolean {
  return CREATE_ON_UPDATE.has(`${def.group}/${def.resource}`);
}

export async function handleUpdate(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const subresource = ctx.info.subresource;
  const opts = writeOptions(ctx);
  const body = await readObject(ctx);
  checkTypeMeta(body, def);
  await checkUnknownFields(ctx, def, body);
  checkNamespace(body, def, ctx.info.namespace);
  checkNameMatchesURL(body, ctx.info.name);
  const { obj, created } = await new RestStore(ctx.server).update(
    def,
    ctx.info.namespace,
    ctx.info.name,
    async (current) => {
      if (current && subresource === "finalize") {
        // Only spec.finalizers changes through namespaces/finalize.
        const next = copyJson(current);
        const spec = (body.spec ?? {}) as Record<string, unknown>;
        next.spec = { ...((current.spec as object) ?? {}), finalizers: spec.finalizers ?? [] };
        if (body.metadata?.resourceVersion)
          next.metadata!.resourceVersion = body.metadata.resourceVersion;
        else delete next.metadata!.resourceVersion;
        return next;
      }
      return copyJson(body);
    },
    { ...opts, allowCreate: subresource === "" && allowsCreateOnUpdate(def) },
  );
  await reply(ctx, created ? 201 : 200, obj, negotiated);
}
