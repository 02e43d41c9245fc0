/** GET of one object (resourceVersion "" or "0": latest; N: at revision N). */
import { notFound } from "../../api/status.ts";
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { renderObject } from "../output.ts";
import { reply, renderOptions } from "./common.ts";

export async function handleGet(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const opts = await renderOptions(ctx, def);
  const rv = ctx.query.get("resourceVersion") ?? "";
  const revision = /^\d+$/.test(rv) && rv !== "0" ? Number(rv) : undefined;
  const obj = await ctx.server.store.tryGet(def, ctx.info.namespace, ctx.info.name, revision);
  if (!obj) throw notFound(def.group, def.resource, ctx.info.name);
  await reply(ctx, 200, renderObject(obj, opts), opts.negotiated);
}
