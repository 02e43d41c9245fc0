/**
 * LIST with selectors and pagination. Lists upstream answers from its watch
 * cache (resourceVersion "0", NotOlderThan) come from the cache's state (see
 * watch-cache-reader.ts); the others read storage. Storage pages are read at
 * one revision (the continue token carries it); with selectors the handler
 * keeps reading storage pages until `limit` matches are found or the keys
 * run out, as upstream's etcd3 store does.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { encodeContinue, parseListOptions, type ListOptions } from "../list-options.ts";
import { apiVersionOf, keyPrefix } from "../object-store.ts";
import { renderList } from "../output.ts";
import { customResourceInfo } from "../../apiextensions/crd-defs.ts";
import { listFromCache, listServedFromCache, listStorage } from "../watch-cache-reader.ts";
import { renderOptions, replyList } from "./common.ts";

export interface ListResultPage {
  items: KObject[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Reads one page of matching objects; shared by list, deletecollection and watch initial events. */
export async function listObjects(
  ctx: RequestContext,
  def: ResourceDef,
  namespace: string,
  opts: ListOptions,
): Promise<ListResultPage> {
  if (listServedFromCache(def, opts)) {
    const page = await listFromCache(ctx.server, def, namespace, opts);
    if (page) return page;
  }
  const store = ctx.server.store;
  const prefix = keyPrefix(def, namespace || undefined);
  let revision: number | undefined;
  let after: string | undefined;
  if (opts.continueToken) {
    revision = opts.continueToken.rv;
    after = prefix + opts.continueToken.start;
    const compacted = await store.backend.compactedRevision();
    if (revision <= compacted) {
      throw new StatusError(
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        undefined,
        410,
      );
    }
  } else if (opts.resourceVersion && opts.resourceVersion !== "0") {
    const rv = Number(opts.resourceVersion);
    const exact =
      opts.resourceVersionMatch === "Exact" || (!opts.resourceVersionMatch && opts.limit > 0);
    if (exact) {
      const compacted = await store.backend.compactedRevision();
      if (rv <= compacted) {
        throw new StatusError(
          "Expired",
          "The resourceVersion for the provided list is too old.",
          undefined,
          410,
        );
      }
      revision = rv;
    } else {
      const current = await store.backend.currentRevision();
      if (rv > current) {
        throw new StatusError("Timeout", `Too large resource version: ${rv}, current: ${current}`, {
          retryAfterSeconds: 1,
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        });
      }
    }
  }
  const filtering = !opts.labelSelector.isEmpty() || !opts.fieldSelector.isEmpty();
  const items: KObject[] = [];
  const pageSize = opts.limit > 0 ? Math.max(opts.limit, filtering ? 500 : opts.limit) : 0;
  for (;;) {
    const page = await listStorage(ctx.server, def, namespace || undefined, {
      revision,
      limit: pageSize,
      after,
    });
    revision ??= page.revision;
    let lastKey: string | undefined;
    for (const { key, obj } of page.items) {
      lastKey = key;
      if (opts.matches(obj)) {
        items.push(obj);
        if (opts.limit > 0 && items.length === opts.limit) break;
      }
    }
    const stoppedEarly =
      lastKey !== undefined && lastKey !== page.items[page.items.length - 1]?.key;
    if (opts.limit > 0 && items.length === opts.limit) {
      const more = stoppedEarly || page.more;
      if (!more) return { items, revision };
      const remaining = !filtering && page.remaining !== undefined ? page.remaining : undefined;
      return {
        items,
        revision,
        continueToken: encodeContinue(revision, lastKey!.slice(prefix.length)),
        remainingItemCount: remaining,
      };
    }
    if (!page.more || lastKey === undefined) return { items, revision };
    after = lastKey;
  }
}

export async function handleList(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const render = await renderOptions(ctx, def);
  const opts = parseListOptions(def, ctx.query);
  const page = await listObjects(ctx, def, ctx.info.namespace, opts);
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) listMeta.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) listMeta.remainingItemCount = page.remainingItemCount;
  await replyList(
    ctx,
    renderList(
      page.items,
      listMeta,
      apiVersionOf(def),
      `${def.kind}List`,
      render,
      customResourceInfo(def) !== undefined,
    ),
    render.negotiated,
  );
}
