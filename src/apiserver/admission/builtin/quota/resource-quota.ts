/**
 * ResourceQuota admission, as upstream: a write that adds usage in a
 * namespace is charged against every matching ResourceQuota's status.used
 * before it is stored. The charge is a compare-and-swap of the quota (retried
 * on conflict from fresh state), so concurrent writes can never together
 * exceed status.hard. Exceeding writes get 403 "exceeded quota: ..."; quotas
 * whose usage the controller has not computed yet reject with "status unknown
 * for quota"; pods must state cpu/memory when a quota tracks them. Dry runs
 * check without charging. Usage is released only by the controller's
 * recalculation (as upstream). Quotas are first read from the server's
 * shared cache, as upstream reads its informer: a quota created a moment
 * before a write may not charge it; the controller's recalculation then
 * counts it.
 *
 * As upstream's quota evaluator (one worker per namespace, and a cache of
 * the quotas it wrote, newer than its informer's until the watch catches
 * up), the charges of one namespace run one at a time and each starts from
 * the last status this server wrote: concurrent writes to one server do not
 * race each other for the quota's resourceVersion (60 concurrent creates
 * under a roomy quota got dozens of 409 Conflicts after 10 attempts each);
 * the compare-and-swap retries are left to other writers (another server,
 * the controller's recalculation).
 */
import { Quantity } from "../../../../api/quantity.ts";
import { StatusError } from "../../../../api/status.ts";
import type { KObject } from "../../../../api/types.ts";
import type { Clock } from "../../../../client/clock.ts";
import type { ServerContext } from "../../../context.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../../pipeline.ts";
import { ObjectCache } from "../../../object-cache.ts";
import { keyPrefix } from "../../../object-store.ts";
import { admissionForbidden } from "../admission-error.ts";
import {
  addLists,
  maskList,
  prettyPrint,
  resourceList,
  subtractLists,
  toJSONList,
  type ResourceList,
} from "../resource-list.ts";
import type { ServerRef } from "../server-ref.ts";
import { affects, podConstraints, scopesMatch, usageOf, type QuotaTarget } from "./usage.ts";

const MAX_ATTEMPTS = 10;
const ZERO = Quantity.fromNanos(0n);

type QuotaStatus = { hard?: Record<string, unknown>; used?: Record<string, unknown> };

/** The usage a write adds: new minus old, only the positive entries. */
export function usageDelta(
  t: QuotaTarget,
  obj: KObject,
  old: KObject | undefined,
  now: number,
): ResourceList {
  const added = usageOf(t, obj, now);
  const delta = old ? subtractLists(added, usageOf(t, old, now)) : added;
  for (const [k, q] of delta) if (q.cmp(ZERO) <= 0) delta.delete(k);
  return delta;
}

/**
 * Checks one quota against a delta; returns the quota's new used list, or
 * undefined when the quota does not apply. Throws 403 as upstream.
 */
export function chargeQuota(
  attrs: AdmissionAttributes,
  quota: KObject,
  t: QuotaTarget,
  delta: ResourceList,
): ResourceList | undefined {
  const name = quota.metadata?.name ?? "";
  const status = (quota.status ?? {}) as QuotaStatus;
  const hard = resourceList(status.hard);
  const names = [...hard.keys()].filter((n) => affects(t, n));
  if (names.length === 0 || !scopesMatch(quota, t, attrs.object!)) return undefined;
  if (t.group === "" && t.resource === "pods" && attrs.operation === "CREATE") {
    const msg = podConstraints(attrs.object!, names);
    if (msg) throw admissionForbidden(attrs, `failed quota: ${name}: ${msg}`);
  }
  const requested = maskList(delta, names);
  if (requested.size === 0) return undefined;
  const used = resourceList(status.used);
  const unknown = [...requested.keys()].filter((n) => !used.has(n)).sort();
  if (unknown.length)
    throw admissionForbidden(
      attrs,
      `status unknown for quota: ${name}, resources: ${unknown.join(",")}`,
    );
  const next = addLists(used, requested);
  const exceeded = [...requested.keys()].filter((n) => next.get(n)!.cmp(hard.get(n)!) > 0);
  if (exceeded.length) {
    throw admissionForbidden(
      attrs,
      `exceeded quota: ${name}, requested: ${prettyPrint(maskList(requested, exceeded))}, used: ${prettyPrint(maskList(used, exceeded))}, limited: ${prettyPrint(maskList(hard, exceeded))}`,
    );
  }
  return next;
}

export function resourceQuotaPlugin(server: ServerRef, clock: Clock): AdmissionPlugin {
  /** Per namespace: the last charge queued there (the next one starts when it ends). */
  const queues = new Map<string, Promise<void>>();
  /** Per namespace, per quota name: the status this server wrote last. */
  const written = new Map<string, Map<string, KObject>>();
  return {
    name: "ResourceQuota",
    validate(attrs) {
      if (attrs.operation !== "CREATE" && attrs.operation !== "UPDATE") return;
      if (attrs.subresource !== "" || !attrs.def.namespaced || !attrs.object) return;
      // A namespace without quotas (the usual case), known without waiting: no promise.
      const s = server.now();
      if (s && quotasOf(s).underNow(keyPrefix(quotaDef(s), attrs.namespace))?.length === 0) return;
      return inTurn(attrs.namespace, () => charge(attrs, attrs.object!));
    },
  };

  /** Runs fn after the charges queued before it in the namespace. */
  function inTurn(namespace: string, fn: () => Promise<void>): Promise<void> {
    const run = (queues.get(namespace) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(namespace, tail);
    void tail.then(() => {
      if (queues.get(namespace) === tail) queues.delete(namespace);
    });
    return run;
  }

  /**
   * The cached quotas, each replaced by what this server wrote last when that
   * is newer (upstream's updatedQuotas); written entries the cache has caught
   * up with, or whose quota it no longer holds, are dropped.
   */
  function latest(namespace: string, cached: KObject[]): KObject[] {
    const mine = written.get(namespace);
    if (mine === undefined) return cached;
    const seen = new Set<string>();
    const quotas = cached.map((quota) => {
      const name = quota.metadata?.name ?? "";
      seen.add(name);
      const ours = mine.get(name);
      if (ours === undefined) return quota;
      if (revisionOf(ours) > revisionOf(quota)) return ours;
      mine.delete(name);
      return quota;
    });
    for (const name of mine.keys()) if (!seen.has(name)) mine.delete(name);
    if (mine.size === 0) written.delete(namespace);
    return quotas;
  }

  function remember(namespace: string, quota: KObject): void {
    let mine = written.get(namespace);
    if (mine === undefined) written.set(namespace, (mine = new Map()));
    mine.set(quota.metadata?.name ?? "", quota);
  }

  async function charge(attrs: AdmissionAttributes, object: KObject): Promise<void> {
    const t: QuotaTarget = { group: attrs.def.group, resource: attrs.def.resource };
    const s = await server.get();
    const def = quotaDef(s);
    // First from the shared cache (upstream's quota lister): a namespace
    // without quotas has nothing to charge, so its usage is not computed.
    const cached = await quotasOf(s).under(keyPrefix(def, attrs.namespace));
    if (cached.length === 0) return;
    const delta = usageDelta(t, object, attrs.oldObject, clock.now());
    if (delta.size === 0) return;
    const charged = new Set<string>();
    for (let attempt = 0; ; attempt++) {
      // After a conflict, from storage so the retry charges the current status.
      const quotas =
        attempt === 0
          ? latest(attrs.namespace, cached)
          : (await s.store.list(def, attrs.namespace, {})).items.map((i) => i.obj);
      const pending: KObject[] = [];
      for (const quota of quotas) {
        if (charged.has(quota.metadata?.name ?? "")) continue;
        const next = chargeQuota(attrs, quota, t, delta);
        if (!next) continue;
        const status = (quota.status ?? {}) as QuotaStatus;
        pending.push({
          ...quota,
          status: { ...status, used: { ...status.used, ...toJSONList(next) } },
        });
      }
      if (attrs.dryRun || pending.length === 0) return;
      try {
        for (const q of pending) {
          remember(
            attrs.namespace,
            await s.store.update(def, q, Number(q.metadata?.resourceVersion)),
          );
          charged.add(q.metadata?.name ?? "");
        }
        return;
      } catch (err) {
        const retry =
          err instanceof StatusError && err.reason === "Conflict" && attempt < MAX_ATTEMPTS;
        if (!retry) throw err;
      }
    }
  }
}

const revisionOf = (quota: KObject) => Number(quota.metadata?.resourceVersion ?? 0);
const quotaDef = (s: ServerContext) => s.registry.get("", "v1", "resourcequotas")!;
const quotasOf = (s: ServerContext) => ObjectCache.shared(s, quotaDef(s));
