/**
 * The scale subresource (autoscaling/v1 Scale) of deployments, replicasets,
 * statefulsets and replicationcontrollers: GET reads spec.replicas and
 * status.replicas/selector; PUT and PATCH change only spec.replicas.
 */
import { StatusError, badRequest, invalid, fieldErrors, notFound } from "../../api/status.ts";
import type { KObject, ObjectMeta, ResourceDef } from "../../api/types.ts";
import {
  formatLabelSelector,
  type LabelSelectorObject,
} from "../../api/selectors/label-selector.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { checkNameMatchesURL, checkNamespace, checkTypeMeta } from "../object-meta.ts";
import { decodePatchBody, patchTypeOf, readBody } from "../request-body.ts";
import { RestStore } from "../rest-store.ts";
import { readObject, reply, writeOptions } from "./common.ts";
import { applyPatch, checkAppliedType } from "./patch.ts";
import { copyJson } from "../../util/json-copy.ts";

/** The value at a dotted JSON path (".spec.replicas"), undefined when absent. */
function atPath(obj: unknown, path: string): unknown {
  let v = obj;
  for (const part of path.replace(/^\./, "").split(".")) {
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[part] : undefined;
  }
  return v;
}

/** Sets the value at a dotted JSON path, creating objects on the way. */
function setPath(obj: KObject, path: string, value: unknown): void {
  const parts = path.replace(/^\./, "").split(".");
  let v = obj as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) {
    if (v[part] === null || typeof v[part] !== "object") v[part] = {};
    v = v[part] as Record<string, unknown>;
  }
  v[parts[parts.length - 1]!] = value;
}

/** Scale view of an object whose def names its scale paths (custom resources). */
function customScaleOf(obj: KObject, paths: NonNullable<ResourceDef["scale"]>): KObject {
  const out = scaleOf({ ...obj, spec: {}, status: {} });
  const replicas = atPath(obj, paths.specReplicasPath);
  const status = atPath(obj, paths.statusReplicasPath);
  (out.spec as Record<string, unknown>).replicas = typeof replicas === "number" ? replicas : 0;
  (out.status as Record<string, unknown>).replicas = typeof status === "number" ? status : 0;
  const selector = paths.labelSelectorPath ? atPath(obj, paths.labelSelectorPath) : undefined;
  if (typeof selector === "string" && selector)
    (out.status as Record<string, unknown>).selector = selector;
  return out;
}

/** Scale view of a scalable object (of `def`, when given: custom scale paths apply). */
export function scaleOf(obj: KObject, def?: ResourceDef): KObject {
  if (def?.scale) return customScaleOf(obj, def.scale);
  const meta = obj.metadata as ObjectMeta;
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj.status ?? {}) as { replicas?: number };
  let selector = "";
  if (spec.selector && typeof spec.selector === "object") {
    const sel = spec.selector as Record<string, unknown>;
    selector =
      "matchLabels" in sel || "matchExpressions" in sel
        ? formatLabelSelector(sel as LabelSelectorObject)
        : Object.keys(sel)
            .sort()
            .map((k) => `${k}=${String(sel[k])}`)
            .join(",");
  }
  const out: KObject = {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      resourceVersion: meta.resourceVersion,
      creationTimestamp: meta.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0 },
  };
  if (selector) (out.status as Record<string, unknown>).selector = selector;
  return out;
}

const SCALE_DEF = { group: "autoscaling", version: "v1", kind: "Scale" };

export async function handleScale(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const { namespace, name, verb } = ctx.info;
  if (verb === "get") {
    const obj = await ctx.server.store.tryGet(def, namespace, name);
    if (!obj) throw notFound(def.group, def.resource, name);
    await reply(ctx, 200, scaleOf(obj, def), negotiated);
    return;
  }
  const opts = writeOptions(ctx);
  opts.subresource = "scale";
  let desired: (current: KObject) => Promise<KObject>;
  if (verb === "update") {
    const body = await readObject(ctx);
    // As upstream's UpdateResource, for subresources too: the body names the object.
    checkNameMatchesURL(body, name);
    checkNamespace(body, def, namespace, "update");
    desired = async () => body;
  } else {
    const type = patchTypeOf(ctx.req.headers["content-type"]);
    const patch = await decodePatchBody(await readBody(ctx.req), type);
    if (type === "apply") checkAppliedType(SCALE_DEF, patch as Record<string, unknown>);
    desired = (current) =>
      applyPatch(
        ctx,
        { ...def, ...SCALE_DEF, resource: "scale" } as ResourceDef,
        type,
        patch,
        scaleOf(current, def),
      );
  }
  const { obj } = await new RestStore(ctx.server).update(
    def,
    namespace,
    name,
    async (current) => {
      const scale = checkTypeMeta(await desired(current!), def, {
        apiVersion: "autoscaling/v1",
        kind: "Scale",
      });
      const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas ?? 0;
      if (typeof replicas !== "number" || !Number.isInteger(replicas)) {
        throw badRequest(
          `json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`,
        );
      }
      if (replicas < 0) {
        throw invalid("autoscaling", "Scale", name, [
          fieldErrors.invalid("spec.replicas", replicas, "must be greater than or equal to 0"),
        ]);
      }
      if (scale.metadata?.name && scale.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      const next = copyJson(current!);
      if (def.scale) setPath(next, def.scale.specReplicasPath, replicas);
      else next.spec = { ...((next.spec as object) ?? {}), replicas };
      const rv = scale.metadata?.resourceVersion;
      if (rv && rv !== current!.metadata?.resourceVersion && verb === "update")
        next.metadata!.resourceVersion = rv;
      else delete next.metadata!.resourceVersion;
      return next;
    },
    opts,
  );
  await reply(ctx, 200, scaleOf(obj, def), negotiated);
}

export { StatusError };
