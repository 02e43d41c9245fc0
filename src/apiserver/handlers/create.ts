/** POST: create an object (generateName, dryRun, fieldValidation). */
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate } from "../negotiation.ts";
import { checkNamespace, checkTypeMeta } from "../object-meta.ts";
import { RestStore } from "../rest-store.ts";
import { checkUnknownFields, readObject, reply, writeOptions } from "./common.ts";

export async function handleCreate(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const negotiated = negotiate(ctx.req.headers.accept, false);
  const opts = writeOptions(ctx);
  const obj = checkTypeMeta(await readObject(ctx), def);
  await checkUnknownFields(ctx, def, obj);
  checkNamespace(obj, def, ctx.info.namespace);
  const created = await new RestStore(ctx.server).create(def, obj, opts);
  await reply(ctx, 201, created, negotiated);
}
