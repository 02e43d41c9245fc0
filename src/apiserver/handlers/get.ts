/**
 * GET of one object, with upstream's resourceVersion semantics: unset is a
 * consistent read (storage); "0" is any state (the watch cache); N is not
 * older than N (the watch cache once it reached N, else storage's latest,
 * 504 "Too large resource version" when storage is older than N).
 */
import { StatusError, notFound } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { renderObject } from "../output.ts";
import { getFromCache, getStorage } from "../watch-cache-reader.ts";
import { reply, renderOptions } from "./common.ts";

export async function handleGet(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const opts = await renderOptions(ctx, def);
  const obj = await readObject(ctx, def, ctx.query.get("resourceVersion") ?? "");
  if (!obj) throw notFound(def.group, def.resource, ctx.info.name);
  await reply(ctx, 200, renderObject(obj, opts), opts.negotiated);
}

async function readObject(
  ctx: RequestContext,
  def: ResourceDef,
  rv: string,
): Promise<KObject | undefined> {
  const { server, info } = ctx;
  if (!/^\d+$/.test(rv)) return getStorage(server, def, info.namespace, info.name);
  const min = Number(rv);
  const cached = await getFromCache(server, def, info.namespace, info.name, min);
  if (cached) return cached.obj;
  if (min > 0) {
    const current = await server.store.backend.currentRevision();
    if (min > current) {
      throw new StatusError("Timeout", `Too large resource version: ${min}, current: ${current}`, {
        retryAfterSeconds: 1,
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
      });
    }
  }
  return getStorage(server, def, info.namespace, info.name);
}
