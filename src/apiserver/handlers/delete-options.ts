/** metav1.DeleteOptions from the body (JSON/YAML) or the query, validated as upstream. */
import { StatusError, badRequest, fieldErrors, type FieldError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { decodeObjectBody, readBody } from "../request-body.ts";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: PropagationPolicy;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** Reads DeleteOptions; the body (when present) wins over query parameters. */
export async function readDeleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  let raw: Record<string, unknown> = {};
  if (body.length > 0 && body.toString("utf8").trim() !== "") {
    const decoder = (ctx.req.headers["content-type"] ?? "").includes("protobuf")
      ? await ctx.server.extensions.protobufDecoder()
      : undefined;
    raw = await decodeObjectBody(body, ctx.req.headers["content-type"], decoder);
  }
  const q = ctx.query;
  const grace =
    raw.gracePeriodSeconds ??
    (q.has("gracePeriodSeconds") ? Number(q.get("gracePeriodSeconds")) : undefined);
  const orphan =
    raw.orphanDependents ??
    (q.has("orphanDependents") ? q.get("orphanDependents") === "true" : undefined);
  let policy = (raw.propagationPolicy ?? q.get("propagationPolicy") ?? undefined) as
    string | undefined;
  const dryRunValues = Array.isArray(raw.dryRun) ? (raw.dryRun as unknown[]) : q.getAll("dryRun");
  const errs: FieldError[] = [];
  if (grace !== undefined && (typeof grace !== "number" || !Number.isInteger(grace))) {
    throw badRequest(
      `gracePeriodSeconds: Invalid value: ${JSON.stringify(grace)}: must be an integer`,
    );
  }
  if (orphan !== undefined && policy !== undefined) {
    errs.push(
      fieldErrors.invalid(
        "propagationPolicy",
        policy,
        "orphanDependents and deletionPropagation cannot be both set",
      ),
    );
  }
  if (orphan !== undefined && policy === undefined) policy = orphan ? "Orphan" : "Background";
  if (policy !== undefined && !["Orphan", "Background", "Foreground"].includes(policy)) {
    errs.push(
      fieldErrors.notSupported("propagationPolicy", policy, [
        "Foreground",
        "Background",
        "Orphan",
        "nil",
      ]),
    );
  }
  for (const v of dryRunValues) {
    if (v !== "All") errs.push(fieldErrors.notSupported("dryRun", v, ["All"]));
  }
  if (errs.length > 0) {
    throw new StatusError(
      "Invalid",
      `DeleteOptions.meta.k8s.io "" is invalid: ${errs.map((e) => `${e.field}: ${e.message}`).join(", ")}`,
      {
        group: "meta.k8s.io",
        kind: "DeleteOptions",
        causes: errs.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
      },
    );
  }
  const pre = (raw.preconditions ?? undefined) as DeleteOptions["preconditions"] | undefined;
  return {
    gracePeriodSeconds: grace as number | undefined,
    propagationPolicy: policy as PropagationPolicy | undefined,
    preconditions: pre && typeof pre === "object" ? pre : undefined,
    dryRun: dryRunValues.length > 0,
  };
}

/** 409 when a uid/resourceVersion precondition does not hold. */
export function checkPreconditions(
  opts: DeleteOptions,
  obj: KObject,
  qualified: string,
  name: string,
): void {
  const p = opts.preconditions;
  if (!p) return;
  const fail = (what: string, want: string, have: string) =>
    new StatusError(
      "Conflict",
      `Operation cannot be fulfilled on ${qualified} "${name}": Precondition failed: ${what} in precondition: ${want}, ${what} in object meta: ${have}`,
      { name, kind: qualified.split(".")[0] },
    );
  if (p.uid && p.uid !== obj.metadata?.uid) throw fail("UID", p.uid, obj.metadata?.uid ?? "");
  if (p.resourceVersion && p.resourceVersion !== obj.metadata?.resourceVersion) {
    throw fail("ResourceVersion", p.resourceVersion, obj.metadata?.resourceVersion ?? "");
  }
}
