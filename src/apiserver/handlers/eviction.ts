/**
 * pods/eviction (policy/v1 Eviction): deletes the pod unless a
 * PodDisruptionBudget forbids it (429 TooManyRequests). Allowed evictions
 * consume one disruptionsAllowed and record the pod in status.disruptedPods
 * (compare-and-swap on the PDB), as upstream's eviction REST.
 */
import { StatusError, badRequest, notFound } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import {
  labelSelectorFromObject,
  type LabelSelectorObject,
} from "../../api/selectors/label-selector.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { rfc3339 } from "../object-meta.ts";
import { successStatus } from "../response.ts";
import { readObject, reply } from "./common.ts";
import { deleteObject } from "./delete.ts";
import type { DeleteOptions } from "./delete-options.ts";
import { copyJson } from "../../util/json-copy.ts";

function tooMany(message: string, causes: { reason: string; message: string }[] = []): StatusError {
  return new StatusError("TooManyRequests", message, { causes, retryAfterSeconds: 10 });
}

export async function handleEviction(ctx: RequestContext, _def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const { namespace, name } = ctx.info;
  const eviction = await readObject(ctx);
  if (eviction.kind && eviction.kind !== "Eviction") {
    throw badRequest(
      `the kind in the data (${eviction.kind}) does not match the expected kind (Eviction)`,
    );
  }
  if (eviction.metadata?.name && eviction.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const rawOptions = (eviction.deleteOptions ?? {}) as Record<string, unknown>;
  const options: DeleteOptions = {
    gracePeriodSeconds:
      typeof rawOptions.gracePeriodSeconds === "number" ? rawOptions.gracePeriodSeconds : undefined,
    propagationPolicy: rawOptions.propagationPolicy as DeleteOptions["propagationPolicy"],
    preconditions: rawOptions.preconditions as DeleteOptions["preconditions"],
    dryRun: Array.isArray(rawOptions.dryRun) && rawOptions.dryRun.length > 0,
  };
  const store = ctx.server.store;
  const pods = ctx.server.registry.get("", "v1", "pods")!;
  const pod = await store.tryGet(pods, namespace, name);
  if (!pod) throw notFound("", "pods", name);
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  const ignorePdb =
    phase === "Succeeded" ||
    phase === "Failed" ||
    phase === "Pending" ||
    pod.metadata?.deletionTimestamp !== undefined;
  if (!ignorePdb) await consumeDisruption(ctx, pod, options.dryRun);
  await deleteObject(ctx, pods, namespace, name, options);
  const status = successStatus();
  status.code = 201;
  await reply(ctx, 201, status, negotiated);
}

async function consumeDisruption(
  ctx: RequestContext,
  pod: KObject,
  dryRun: boolean,
): Promise<void> {
  const store = ctx.server.store;
  const pdbDef = ctx.server.registry.get("policy", "v1", "poddisruptionbudgets");
  if (!pdbDef) return;
  const namespace = pod.metadata?.namespace ?? "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const page = await store.list(pdbDef, namespace, {});
    const matching = page.items
      .map((i) => i.obj)
      .filter((pdb) => {
        const sel = labelSelectorFromObject(
          (pdb.spec as { selector?: LabelSelectorObject } | undefined)?.selector,
        );
        return sel.ok && sel.selector.matches(pod.metadata?.labels);
      });
    if (matching.length === 0) return;
    if (matching.length > 1) {
      throw new StatusError(
        "InternalError",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      );
    }
    const pdb = matching[0];
    const status = (pdb.status ?? {}) as {
      disruptionsAllowed?: number;
      observedGeneration?: number;
      currentHealthy?: number;
      desiredHealthy?: number;
      disruptedPods?: Record<string, string>;
    };
    if ((status.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0)) {
      throw tooMany("Cannot evict pod as it would violate the pod's disruption budget.", [
        {
          reason: "DisruptionBudget",
          message:
            "The disruption budget " +
            pdb.metadata?.name +
            " is still being processed by the server.",
        },
      ]);
    }
    if ((status.disruptionsAllowed ?? 0) <= 0) {
      throw tooMany("Cannot evict pod as it would violate the pod's disruption budget.", [
        {
          reason: "DisruptionBudget",
          message: `The disruption budget ${pdb.metadata?.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
        },
      ]);
    }
    if (dryRun) return;
    const next = copyJson(pdb);
    next.status = {
      ...status,
      disruptionsAllowed: (status.disruptionsAllowed ?? 0) - 1,
      disruptedPods: {
        ...(status.disruptedPods ?? {}),
        [pod.metadata?.name ?? ""]: rfc3339(ctx.server.clock.now()),
      },
    };
    try {
      await store.update(pdbDef, next, Number(pdb.metadata?.resourceVersion));
      return;
    } catch (err) {
      if (err instanceof StatusError && err.reason === "Conflict") continue;
      throw err;
    }
  }
  throw tooMany("Cannot evict pod as it would violate the pod's disruption budget.");
}
