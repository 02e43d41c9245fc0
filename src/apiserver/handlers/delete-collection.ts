/** DELETE on a collection: every object matching the selectors, one by one. */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { parseListOptions } from "../list-options.ts";
import { negotiate } from "../negotiation.ts";
import { apiVersionOf } from "../object-store.ts";
import { reply } from "./common.ts";
import { deleteObject } from "./delete.ts";
import { readDeleteOptions } from "./delete-options.ts";
import { listObjects } from "./list.ts";

export async function handleDeleteCollection(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const options = await readDeleteOptions(ctx);
  const listOpts = parseListOptions(def, ctx.query);
  const page = await listObjects(ctx, def, ctx.info.namespace, {
    ...listOpts,
    limit: 0,
    continueToken: undefined,
  });
  const deleted: KObject[] = [];
  for (const obj of page.items) {
    try {
      const r = await deleteObject(
        ctx,
        def,
        obj.metadata?.namespace ?? "",
        obj.metadata?.name ?? "",
        options,
      );
      deleted.push(r.obj);
    } catch (err) {
      // Already gone: fine for a collection delete.
      if (err instanceof StatusError && err.reason === "NotFound") continue;
      throw err;
    }
  }
  await reply(
    ctx,
    200,
    {
      kind: `${def.kind}List`,
      apiVersion: apiVersionOf(def),
      metadata: { resourceVersion: String(page.revision) },
      items: deleted.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
    },
    negotiated,
  );
}
