/**
 * PUT of an object or of its status: the body replaces the stored object;
 * a resourceVersion in the body is a precondition (stale → 409), and so is
 * a uid (another incarnation or none → 409, not retried). Creating
 * through PUT only for the resources upstream allows it.
 */
import type { KObject, ResourceDef } from "../../api/types.ts";
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
  "/serviceaccounts",
  "/services",
  "coordination.k8s.io/leases",
  "events.k8s.io/events",
  "node.k8s.io/runtimeclasses",
  "rbac.authorization.k8s.io/clusterrolebindings",
  "rbac.authorization.k8s.io/clusterroles",
  "rbac.authorization.k8s.io/rolebindings",
  "rbac.authorization.k8s.io/roles",
]);

export function allowsCreateOnUpdate(def: ResourceDef): boolean {
  return CREATE_ON_UPDATE.has(`${def.group}/${def.resource}`);
}

export async function handleUpdate(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const subresource = ctx.info.subresource;
  const opts = writeOptions(ctx);
  const decoded = checkTypeMeta(await readObject(ctx), def);
  const pruned = await checkUnknownFields(ctx, def, decoded);
  // A retry decodes the body text again: it is normalized as the first attempt was.
  const normalize = (from: KObject): KObject => {
    const obj = checkTypeMeta(from, def);
    // Name first, as upstream's checkName.
    checkNameMatchesURL(obj, ctx.info.name);
    checkNamespace(obj, def, ctx.info.namespace, "update");
    return obj;
  };
  const body = normalize(decoded);
  // A body that had unknown fields is not decoded again from its text (which holds them).
  const desired = bodies(body, pruned ? undefined : ctx.rawBody, normalize);
  const { obj, created } = await new RestStore(ctx.server).update(
    def,
    ctx.info.namespace,
    ctx.info.name,
    async (current) => {
      if (current && subresource === "finalize") {
        // Only spec.finalizers changes through namespaces/finalize.
        const next = copyJson(current);
        const spec = (body.spec ?? {}) as Record<string, unknown>;
        next.spec = { ...((next.spec as object) ?? {}), finalizers: spec.finalizers ?? [] };
        if (body.metadata?.resourceVersion)
          next.metadata!.resourceVersion = body.metadata.resourceVersion;
        else delete next.metadata!.resourceVersion;
        return next;
      }
      return desired();
    },
    {
      ...opts,
      allowCreate: subresource === "" && allowsCreateOnUpdate(def),
      currentReadOnly: true,
      uidPrecondition: body.metadata?.uid || undefined,
    },
  );
  await reply(ctx, created ? 201 : 200, obj, negotiated);
}

/**
 * The desired object of each attempt, which the write changes: the body
 * itself the first time, then (a retry after a storage conflict) the body
 * decoded again from its JSON text and normalized as it was, or copied from
 * a copy taken before the first attempt (bodies that were not JSON).
 */
function bodies(
  body: KObject,
  text: string | undefined,
  normalize: (obj: KObject) => KObject,
): () => KObject {
  const pristine = text === undefined ? copyJson(body) : undefined;
  let first = true;
  return () => {
    if (first) {
      first = false;
      return body;
    }
    if (pristine) return copyJson(pristine);
    return normalize(JSON.parse(text!) as KObject);
  };
}
