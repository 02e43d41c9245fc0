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
import { listItemJson, renderList } from "../output.ts";
import { customResourceInfo } from "../../apiextensions/crd-defs.ts";
import {
  listFromCache,
  listServedFromCache,
  listStorage,
  matchingBatches,
  type ListPage,
  type StoragePage,
} from "../watch-cache-reader.ts";
import { renderOptions } from "./common.ts";
import { replyList } from "./list-reply.ts";

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
  const { batches, ...page } = await listPage(ctx, def, namespace, opts);
  const items: KObject[] = [];
  for (const batch of batches) for (const obj of batch) items.push(obj);
  return { ...page, items };
}

/**
 * One page of matching objects; without a limit its items are decoded and
 * filtered lazily as they are iterated (see ListPage).
 */
export async function listPage(
  ctx: RequestContext,
  def: ResourceDef,
  namespace: string,
  opts: ListOptions,
): Promise<ListPage> {
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
  if (opts.limit === 0) {
    // No limit: one storage read, decoded and filtered as it is written.
    const page = await listStorage(ctx.server, def, namespace || undefined, { revision, after });
    // Backends return every key when no limit is given (Backend.list's contract).
    return { revision: revision ?? page.revision, batches: storageBatches(page, opts.matches) };
  }
  const items: KObject[] = [];
  const pageSize = Math.max(opts.limit, filtering ? 500 : opts.limit);
  // Keys left after the token's start, counted by an earlier page of this walk.
  const known = filtering ? undefined : opts.continueToken?.remaining;
  for (;;) {
    const page = await listStorage(ctx.server, def, namespace || undefined, {
      revision,
      limit: pageSize,
      after,
      countRemaining: !filtering && known === undefined,
    });
    revision ??= page.revision;
    let lastKey: string | undefined;
    for (let i = 0; i < page.keys.length; i++) {
      lastKey = page.keys[i];
      const obj = page.object(i);
      if (opts.matches(obj)) {
        items.push(obj);
        if (items.length === opts.limit) break;
      }
    }
    const stoppedEarly = lastKey !== undefined && lastKey !== page.keys[page.keys.length - 1];
    if (items.length === opts.limit) {
      const more = stoppedEarly || page.more;
      if (!more) return { batches: [items], revision };
      const left = filtering ? undefined : keysLeft(known, items.length, page.remaining);
      return {
        batches: [items],
        revision,
        continueToken: encodeContinue(revision, lastKey!.slice(prefix.length), left),
        remainingItemCount: left,
      };
    }
    if (!page.more || lastKey === undefined) return { batches: [items], revision };
    after = lastKey;
  }
}

/**
 * Keys left after an unfiltered page of `read` items: the count an earlier
 * page put in the token less them (every key read is an item), else the
 * storage page's own count. A token's count below `read` (not ours) is
 * dropped: the next page counts again.
 */
function keysLeft(
  known: number | undefined,
  read: number,
  counted: number | undefined,
): number | undefined {
  if (known === undefined) return counted;
  return known >= read ? known - read : undefined;
}

/** A storage page's matching objects in batches of LIST_BATCH, decoded as they are reached. */
function storageBatches(
  page: StoragePage,
  matches: (obj: KObject) => boolean,
): Generator<KObject[]> {
  return matchingBatches(
    (function* () {
      for (let i = 0; i < page.keys.length; i++) yield page.object(i);
    })(),
    matches,
  );
}

export async function handleList(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const render = await renderOptions(ctx, def);
  const opts = parseListOptions(def, ctx.query);
  const page = await listPage(ctx, def, ctx.info.namespace, opts);
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) listMeta.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) listMeta.remainingItemCount = page.remainingItemCount;
  const keepItemTypeMeta = customResourceInfo(def) !== undefined;
  const listKind = `${def.kind}List`;
  await replyList(
    ctx,
    page.batches,
    (items) => renderList(items, listMeta, apiVersionOf(def), listKind, render, keepItemTypeMeta),
    render.negotiated,
    listItemJson(render, keepItemTypeMeta),
  );
}
