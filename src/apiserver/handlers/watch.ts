/**
 * WATCH: newline-delimited JSON {"type","object"} events, chunked and flushed
 * per event, served from the resource's shared watch cache.
 *
 * resourceVersion unset or "0" (or sendInitialEvents=true): synthetic ADDED
 * events for the current state first, then changes; with
 * sendInitialEvents=true and bookmarks allowed, a BOOKMARK annotated
 * k8s.io/initial-events-end marks the end of the initial state.
 * resourceVersion N: every change after N, or an ERROR event with 410 Gone
 * when N is older than the cache holds. Objects moving in or out of the
 * selectors are reported as ADDED/DELETED, as upstream.
 */
import type { KObject, ResourceDef } from "../../api/types.ts";
import { StatusError } from "../../api/status.ts";
import type { RequestContext } from "../context.ts";
import { parseListOptions, type ListOptions } from "../list-options.ts";
import { apiVersionOf, keyPrefix, objectKey } from "../object-store.ts";
import { watchTables } from "../../api/printers/table.ts";
import { toStatusError } from "../response.ts";
import type { CacheEvent, CacheSubscription } from "../watch-cache.ts";
import type { WatchTrigger } from "../watch-cache-subscribers.ts";
import type { FieldSelector } from "../../api/selectors/field-selector.ts";
import { drained, renderOptions, setWarnings } from "./common.ts";
import { listObjects } from "./list.ts";

/** Default watch length when the client gives no timeoutSeconds: upstream's 30-60 min. */
const DEFAULT_TIMEOUT_SECONDS = 1800;

interface WatchEventOut {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: unknown;
}

/**
 * Turns a cache event into what this client should see (undefined: nothing).
 * `decode` may convert asynchronously (webhook-converted custom resources).
 */
export async function filterEvent(
  event: CacheEvent,
  decode: (kv: CacheEvent["kv"]) => KObject | Promise<KObject>,
  matches: ((obj: KObject) => boolean) | "all",
): Promise<WatchEventOut | undefined> {
  const obj = await decode(event.kv);
  // Without selectors every version matches: the previous one need not be decoded.
  if (matches === "all") return { type: event.type, object: obj };
  const matchesNow = matches(obj);
  if (event.type === "ADDED") return matchesNow ? { type: "ADDED", object: obj } : undefined;
  if (event.type === "DELETED") return matchesNow ? { type: "DELETED", object: obj } : undefined;
  const old = event.prevKv ? await decode(event.prevKv) : undefined;
  const matchedBefore = old ? matches(old) : false;
  if (matchesNow && matchedBefore) return { type: "MODIFIED", object: obj };
  if (matchesNow) return { type: "ADDED", object: obj };
  if (matchedBefore) return { type: "DELETED", object: obj };
  return undefined;
}

/** Fields whose exact-match watches are indexed, as upstream's cacher triggers (pods by node). */
const TRIGGER_FIELDS = ["spec.nodeName"];

/** The index entry of a watch whose selector demands one value of an indexed field. */
function watchTrigger(
  def: ResourceDef,
  selector: FieldSelector,
  decode: (kv: CacheEvent["kv"]) => KObject,
): WatchTrigger | undefined {
  if (def.convertMany) return undefined;
  for (const field of TRIGGER_FIELDS) {
    const read = def.fieldSelectors?.[field];
    const value = read && selector.requiresExactMatch(field);
    if (read && value !== undefined) return { field, value, valueOf: (kv) => read(decode(kv)) };
  }
  return undefined;
}

export async function handleWatch(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const render = await renderOptions(ctx, def);
  const opts = parseListOptions(def, ctx.query, true);
  const { namespace, name } = ctx.info;
  const matches = name
    ? (obj: KObject) => obj.metadata?.name === name && opts.matches(obj)
    : opts.matches;
  const matchesAll = !name && opts.labelSelector.isEmpty() && opts.fieldSelector.isEmpty();
  const server = ctx.server;
  const cache = server.watchCaches.forPrefix(keyPrefix(def));
  const subPrefix = name ? objectKey(def, namespace, name) : keyPrefix(def, namespace || undefined);
  const rv = opts.resourceVersion;
  const initial = opts.sendInitialEvents ?? (rv === undefined || rv === "0");
  const plainDecode = (kv: CacheEvent["kv"]) => server.store.decode(def, kv);
  const trigger = watchTrigger(def, opts.fieldSelector, (kv) => cache.decode(kv, def, plainDecode));
  await cache.ensureStarted(rv && rv !== "0" ? Number(rv) : undefined);

  let initialObjects: KObject[] = [];
  let sub: CacheSubscription | undefined;
  let startError: StatusError | undefined;
  let lastRevision: number;
  if (initial) {
    // "0" (and N with sendInitialEvents): the cache's state; unset: a consistent read.
    const page = await listObjects(ctx, def, namespace, {
      ...opts,
      limit: 0,
      continueToken: undefined,
      resourceVersion: rv === "0" || opts.sendInitialEvents ? rv : undefined,
      matches,
    } as ListOptions);
    initialObjects = page.items;
    lastRevision = page.revision;
    sub = cache.subscribe(page.revision, subPrefix, trigger);
  } else {
    lastRevision = Number(rv);
    try {
      sub = cache.subscribe(lastRevision, subPrefix, trigger);
    } catch (err) {
      startError = toStatusError(err);
    }
  }

  const res = ctx.res;
  setWarnings(ctx);
  res.writeHead(200, {
    "Content-Type": render.negotiated.contentType,
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  const send = (e: WatchEventOut) => sendLine(JSON.stringify(e) + "\n");
  const sendLine = async (line: string) => {
    if (!res.write(line)) await drained(res);
  };
  // Column definitions go with the first Table event only, as upstream.
  const tableOf = watchTables(
    render.printer,
    { includeObject: render.includeObject },
    () => new Date(server.clock.now()),
  );
  const shape = (e: WatchEventOut): WatchEventOut =>
    render.negotiated.as === "Table" && e.type !== "BOOKMARK" && e.type !== "ERROR"
      ? { type: e.type, object: tableOf(e.object as KObject) }
      : render.negotiated.as === "PartialObjectMetadata" && e.type !== "ERROR"
        ? {
            type: e.type,
            object: {
              kind: "PartialObjectMetadata",
              apiVersion: "meta.k8s.io/v1",
              metadata: (e.object as KObject).metadata,
            },
          }
        : e;

  if (startError) {
    await send({ type: "ERROR", object: startError.toStatus() });
    res.end();
    return;
  }
  const bookmark = (extra: Record<string, string> = {}): WatchEventOut => ({
    type: "BOOKMARK",
    object: {
      kind: def.kind,
      apiVersion: apiVersionOf(def),
      metadata:
        Object.keys(extra).length > 0
          ? { resourceVersion: String(lastRevision), annotations: extra }
          : { resourceVersion: String(lastRevision) },
    },
  });

  for (const obj of initialObjects) await send(shape({ type: "ADDED", object: obj }));
  if (opts.sendInitialEvents === true && opts.allowWatchBookmarks) {
    await send(bookmark({ "k8s.io/initial-events-end": "true" }));
  }

  // Wake-ups: timeout, bookmark ticks, client gone, server stopping. The
  // first one since the loop last looked is kept, and ends a wait for events.
  // (Not a Promise.race of each wait with one promise per wake-up: every race
  // left a reaction on that promise, holding its batch of events until the
  // next wake-up, up to a minute of events per watch.)
  let woken: string | undefined;
  let interrupt: (() => void) | undefined;
  const wake = (reason: string) => {
    woken ??= reason;
    interrupt?.();
  };
  /**
   * events' batch, or undefined once woken. A batch already there wins over
   * a wake-up already there (its reaction is queued first), so a bookmark
   * never claims a revision whose events are still queued for this watch.
   */
  const untilWoken = <T>(events: Promise<T>) =>
    new Promise<T | undefined>((resolve, reject) => {
      events.then(resolve, reject);
      if (woken !== undefined) queueMicrotask(() => resolve(undefined));
      else interrupt = () => resolve(undefined);
    });
  const timeoutMs = (opts.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS * (1 + Math.random())) * 1000;
  const timer = server.clock.after(timeoutMs, () => wake("timeout"));
  let bookmarkTimer = opts.allowWatchBookmarks
    ? server.clock.after(server.bookmarkIntervalMs, function tick() {
        wake("bookmark");
      })
    : undefined;
  const onClose = () => wake("closed");
  res.on("close", onClose);
  const onAbort = () => wake("closed");
  server.signal.addEventListener("abort", onAbort);

  // Webhook-converted resources decode asynchronously, once per event for all watchers.
  const decode = def.convertMany
    ? (kv: CacheEvent["kv"]) => server.store.decodeShared(def, kv)
    : (kv: CacheEvent["kv"]) => cache.decode(kv, def, plainDecode);
  // Plain JSON events are the same bytes for every watcher of this version:
  // serialized once (Tables and metadata-only answers are per watcher), from
  // the writer's JSON of the object when the cache has it.
  const plainJson = render.negotiated.as === "object";
  const lineOf = (event: CacheEvent, out: WatchEventOut): string => {
    const json = cache.memo.json(event.kv, def);
    if (json === undefined) return JSON.stringify(out) + "\n";
    return `{"type":${JSON.stringify(out.type)},"object":${json}}\n`;
  };
  let pending: Promise<CacheEvent[] | null> | undefined;
  try {
    for (;;) {
      pending ??= sub!.next();
      const events = await untilWoken(pending);
      interrupt = undefined;
      if (events === undefined) {
        const reason = woken!;
        woken = undefined;
        if (reason === "bookmark") {
          lastRevision = Math.max(lastRevision, cache.lastRevision);
          await send(bookmark());
          bookmarkTimer = server.clock.after(server.bookmarkIntervalMs, () => wake("bookmark"));
          continue;
        }
        if (reason === "timeout" && opts.allowWatchBookmarks && !res.destroyed) {
          lastRevision = Math.max(lastRevision, cache.lastRevision);
          await send(bookmark());
        }
        break;
      }
      pending = undefined;
      if (events === null) {
        if (sub!.error && !res.destroyed)
          await send({ type: "ERROR", object: sub!.error.toStatus() });
        break;
      }
      // A batch converts together (one review for webhook-converted resources); sent in order.
      const outs = events.map((event) => filterEvent(event, decode, matchesAll ? "all" : matches));
      for (const o of outs) o.catch(() => {});
      let failed: StatusError | undefined;
      for (const [i, event] of events.entries()) {
        lastRevision = Math.max(lastRevision, event.revision);
        let out: WatchEventOut | undefined;
        try {
          out = await outs[i]!;
        } catch (err) {
          failed = toStatusError(err);
          break;
        }
        if (out && plainJson)
          await sendLine(cache.memo.line(event.kv, def, out.type, () => lineOf(event, out)));
        else if (out) await send(shape(out));
        if (res.destroyed) break;
      }
      if (failed) {
        // An event that cannot be converted ends the watch with its error.
        if (!res.destroyed) await send({ type: "ERROR", object: failed.toStatus() });
        break;
      }
      if (res.destroyed) break;
    }
  } finally {
    timer.cancel();
    bookmarkTimer?.cancel();
    sub?.close();
    res.off("close", onClose);
    server.signal.removeEventListener("abort", onAbort);
    if (!res.destroyed && !res.writableEnded) res.end();
  }
}
