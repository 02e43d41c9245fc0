/**
 * PATCH with the four patch types: json (RFC 6902), merge (RFC 7386),
 * strategic merge and apply (server-side apply; creates when absent).
 * The patch is re-applied to the latest object on storage conflicts unless
 * it sets metadata.resourceVersion itself (then stale → 409).
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import { applyJsonPatch } from "../../api/patch/json-patch.ts";
import { applyMergePatch } from "../../api/patch/merge-patch.ts";
import { applyStrategicMergePatch } from "../../api/patch/strategic-merge-patch.ts";
import { appliedObjectName } from "../../api/patch/server-side-apply.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { checkNameMatchesURL, checkNamespace, checkTypeMeta, rfc3339 } from "../object-meta.ts";
import { decodePatchBody, patchTypeOf, readBody, type PatchType } from "../request-body.ts";
import { RestStore } from "../rest-store.ts";
import { goValueString } from "../../util/go-value-string.ts";
import { customResourceInfo } from "../../apiextensions/crd-defs.ts";
import { checkUnknownFields, decodingErrors, reply, writeOptions } from "./common.ts";
import type { DecodingErrors } from "../extensions.ts";
import { copyJson } from "../../util/json-copy.ts";
import { storedMetadata } from "../stored-text.ts";

function invalidPatchOptions(field: string, message: string): StatusError {
  return new StatusError(
    "Invalid",
    `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`,
    {
      group: "meta.k8s.io",
      kind: "PatchOptions",
      causes: [{ reason: "FieldValueInvalid", message, field }],
    },
  );
}

/**
 * A patched object whose values do not decode into the kind: upstream
 * answers 422 `"" is invalid: patch: Invalid value: ...` quoting the patched
 * object (JSON and merge patches) or the patch as a Go map (strategic merge),
 * with the decoder's message of that path.
 */
async function checkPatchedTypes(
  ctx: RequestContext,
  def: ResourceDef,
  type: PatchType,
  patch: unknown,
  result: KObject,
  decoded: DecodingErrors | undefined,
): Promise<void> {
  if (type === "apply") return;
  const strategic = type === "strategic";
  const errors =
    decoded?.typeErrors ??
    (await ctx.server.extensions.typeErrors(def, result, strategic ? "unstructured" : "json"));
  if (errors.length === 0) return;
  const value = JSON.stringify(strategic ? goValueString(patch) : JSON.stringify(result));
  const message = `Invalid value: ${value}: ${errors[0]}`;
  throw new StatusError("Invalid", ` "" is invalid: patch: ${message}`, {
    causes: [{ reason: "FieldValueInvalid", message, field: "patch" }],
  });
}

/**
 * Applies a patch document of `type` to `current` (undefined: nothing stored
 * yet). `current` must be the caller's own copy: it may be changed.
 */
export async function applyPatch(
  ctx: RequestContext,
  def: ResourceDef,
  type: PatchType,
  patch: unknown,
  current: KObject | undefined,
): Promise<KObject> {
  const time = rfc3339(ctx.server.clock.now());
  const ssaOptions = {
    manager: ctx.query.get("fieldManager") ?? "",
    force: ctx.query.get("force") === "true",
    subresource: ctx.info.subresource,
    time,
  };
  if (!current) {
    // Only apply patches create; the applied configuration is the whole object.
    if (type === "apply") {
      const obj = checkTypeMeta(copyJson(patch) as KObject, def);
      return ctx.server.extensions.serverSideApply(def, undefined, obj, ssaOptions);
    }
    return copyJson(patch) as KObject;
  }
  switch (type) {
    case "json":
      return applyJsonPatch(current, patch) as KObject;
    case "merge":
      return applyMergePatch(current, patch) as KObject;
    case "strategic":
      return applyStrategicMergePatch(
        current,
        patch,
        await ctx.server.extensions.patchSchema(def),
        {
          ownsDoc: true,
        },
      ) as KObject;
    case "apply":
      return ctx.server.extensions.serverSideApply(def, current, patch as KObject, ssaOptions);
  }
}

/**
 * An apply configuration must name the endpoint's kind and version, checked
 * before anything else about it, as upstream's versionCheckManager (the
 * first stage of its field manager): else 400 `invalid object type:
 * <group>/<version>, Kind=<kind>` with what the configuration says (empty
 * where it says nothing; an apiVersion with two slashes names no group or
 * version). Its structured-merge stage's "Incorrect version specified in
 * apply patch" is never reached from the API.
 */
export function checkAppliedType(
  expected: { group: string; version: string; kind: string },
  patch: Record<string, unknown>,
): void {
  const apiVersion = typeof patch.apiVersion === "string" ? patch.apiVersion : "";
  const kind = typeof patch.kind === "string" ? patch.kind : "";
  const slash = apiVersion.indexOf("/");
  const [group, version] =
    slash < 0
      ? ["", apiVersion]
      : apiVersion.indexOf("/", slash + 1) >= 0 || apiVersion === "/"
        ? ["", ""]
        : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
  if (group === expected.group && version === expected.version && kind === expected.kind) return;
  throw new StatusError("BadRequest", `invalid object type: ${group}/${version}, Kind=${kind}`);
}

/**
 * Upstream turns an apply configuration into its typed form before merging
 * it, which a field the kind does not declare fails, whatever fieldValidation
 * says: 400 `failed to create typed patch object (<ns>/<name>; <group>/<version>,
 * Kind=<kind>): .<path>: field not declared in schema` (upstream v1.32 answers
 * it as a 500; the text is the same). The namespace, name and kind are the
 * applied configuration's own (empty when it has none), not the URL's, as
 * upstream names the patch object. List items are named by index here,
 * where upstream names them by their merge key.
 */
async function checkApplyFields(ctx: RequestContext, def: ResourceDef, patch: unknown) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return;
  const { strict } = await ctx.server.extensions.decodingErrors(def, patch as KObject, {
    strict: true,
  });
  const unknown = strict.find((m) => m.startsWith("unknown field "));
  if (unknown === undefined) return;
  const path = JSON.parse(unknown.slice("unknown field ".length)) as string;
  throw new StatusError(
    "BadRequest",
    `failed to create typed patch object (${appliedObjectName(patch as KObject)}): .${path}: field not declared in schema`,
  );
}

export async function handlePatch(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const type = patchTypeOf(ctx.req.headers["content-type"]);
  if (type === "strategic" && customResourceInfo(def)) {
    // Custom resources have no patch strategies: upstream refuses strategic merge patch.
    throw new StatusError(
      "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    );
  }
  const opts = writeOptions(ctx);
  const force = ctx.query.get("force");
  if (type === "apply" && !ctx.query.get("fieldManager")) {
    throw invalidPatchOptions("fieldManager", "Required value: is required for apply patch");
  }
  if (type !== "apply" && force !== null) {
    throw invalidPatchOptions("force", "Forbidden: may not be specified for non-apply patch");
  }
  if (type === "apply") opts.operation = "Apply";
  const patch = await decodePatchBody(await readBody(ctx.req), type);
  if (type === "apply") {
    checkAppliedType(def, patch as Record<string, unknown>);
    await checkApplyFields(ctx, def, patch);
  }
  const { namespace, name } = ctx.info;
  const { obj, created } = await new RestStore(ctx.server).update(
    def,
    namespace,
    name,
    async (current) => {
      const currentRv = current?.metadata?.resourceVersion;
      const patched = await applyPatch(ctx, def, type, patch, current);
      if (patched === null || typeof patched !== "object" || Array.isArray(patched)) {
        throw new StatusError("BadRequest", "the patched object is not a JSON object");
      }
      // JSON and merge patches' results are checked for type errors as a body is:
      // one walk finds those and the unknown fields.
      const decoded =
        type === "json" || type === "merge" ? await decodingErrors(ctx, def, patched) : undefined;
      await checkPatchedTypes(ctx, def, type, patch, patched, decoded);
      const result = checkTypeMeta(patched, def);
      // checkTypeMeta may answer a new top-level object (type meta filled in front): the
      // unknown fields found on patched's top level are pruned from that one.
      const found: DecodingErrors | undefined =
        decoded && result !== patched
          ? {
              ...decoded,
              unknownAt: decoded.unknownAt.map(([h, n]) => [h === patched ? result : h, n]),
            }
          : decoded;
      await checkUnknownFields(ctx, def, result, { typesChecked: !!decoded, decoded: found });
      checkNameMatchesURL(result, name);
      checkNamespace(result, def, namespace, "update");
      // An unchanged resourceVersion is no precondition: let conflicts retry.
      // (A copy without it rather than a `delete`, which would leave the
      // metadata in V8's slow dictionary mode for the rest of the write.)
      if (current && result.metadata?.resourceVersion === currentRv) {
        result.metadata = storedMetadata(result);
      }
      return result;
    },
    { ...opts, allowCreate: type === "apply" && ctx.info.subresource === "" },
  );
  await reply(ctx, created ? 201 : 200, obj, negotiated);
}
