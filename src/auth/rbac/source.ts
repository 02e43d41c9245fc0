/**
 * Reads the RBAC objects for the authorizer (a snapshot cached for a short
 * time; `fresh` re-reads so a just-created binding is seen at once), installs
 * the bootstrap policy at start and writes aggregated ClusterRole rules back
 * as upstream's clusterrole-aggregation controller does.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { ServerContext } from "../../apiserver/context.ts";
import { keyPrefix } from "../../apiserver/object-store.ts";
import { RestStore } from "../../apiserver/rest-store.ts";
import type { CacheSubscription } from "../../apiserver/watch-cache-events.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap-policy.ts";
import { buildSnapshot, type RbacSnapshot } from "./snapshot.ts";

const SYSTEM_WRITE = {
  dryRun: false,
  user: { username: "system:apiserver", groups: ["system:masters"] },
  subresource: "",
  fieldManager: "kube-apiserver",
};

const RBAC = "rbac.authorization.k8s.io";

/** Wait before watching the RBAC resources again after their watch failed or ended. */
const WATCH_RETRY_MS = 5_000;

function defs(server: ServerContext): Record<string, ResourceDef> {
  const get = (r: string) => {
    const d = server.registry.get(RBAC, "v1", r);
    if (!d) throw new Error(`rbac resource ${r} is not registered`);
    return d;
  };
  return {
    clusterroles: get("clusterroles"),
    roles: get("roles"),
    clusterrolebindings: get("clusterrolebindings"),
    rolebindings: get("rolebindings"),
  };
}

async function listAll(server: ServerContext, def: ResourceDef): Promise<KObject[]> {
  const out: KObject[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await server.store.list(def, undefined, { limit: 1000, after });
    out.push(...page.items.map((i) => i.obj));
    if (!page.more || page.items.length === 0) return out;
    after = page.items[page.items.length - 1].key;
  }
}

/**
 * A cached snapshot source bound to one server. While it watches the four
 * RBAC resources through the server's watch caches (as upstream's authorizer
 * reads them from informers), a snapshot stays current until one of them
 * changes; without that watch (not started yet, or ended) it is re-read once
 * older than maxAgeMs.
 */
export class RbacSource {
  readonly #server: ServerContext;
  readonly #maxAgeMs: number;
  #snapshot?: { at: number; generation: number; value: RbacSnapshot };
  #loading?: Promise<RbacSnapshot>;
  #aggregating = false;
  /** Bumped by every RBAC change the watch sees (and when the watch ends). */
  #generation = 0;
  #watching?: Promise<void>;
  #watchLive = false;
  /** When a failed watch may be tried again. */
  #watchRetryAt = 0;

  constructor(server: ServerContext, maxAgeMs = 1000) {
    this.#server = server;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The current snapshot; `fresh` forces a re-read (coalesced with one in flight). */
  async snapshot(fresh: boolean): Promise<RbacSnapshot> {
    const now = this.#server.clock.now();
    if (!this.#watching && now >= this.#watchRetryAt) this.#watching = this.#watchChanges();
    const s = this.#snapshot;
    if (!fresh && s) {
      if (this.#watchLive && s.generation === this.#generation) return s.value;
      if (now - s.at < this.#maxAgeMs) return s.value;
    }
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /**
   * Follows the RBAC resources' watch caches, bumping the generation on every
   * event; on any failure or end, falls back to the age limit (and tries
   * again on a later snapshot call).
   */
  async #watchChanges(): Promise<void> {
    const subs: CacheSubscription[] = [];
    try {
      for (const def of Object.values(defs(this.#server))) {
        const cache = this.#server.watchCaches.forPrefix(keyPrefix(def));
        await cache.ensureStarted();
        subs.push(cache.subscribe(cache.lastRevision));
      }
      // Changes from here on bump the generation: a snapshot loaded after
      // this point is current until then.
      this.#generation++;
      this.#watchLive = true;
      await Promise.race(
        subs.map(async (sub) => {
          // Empty batches are progress (the revision moved elsewhere): no change here.
          for (let events = await sub.next(); events !== null; events = await sub.next())
            if (events.length > 0) this.#generation++;
        }),
      );
    } catch {
      // Not watchable now (storage down, cache re-initializing): ages out instead.
    } finally {
      this.#watchLive = false;
      this.#generation++;
      for (const sub of subs) sub.close();
      this.#watching = undefined;
      this.#watchRetryAt = this.#server.clock.now() + WATCH_RETRY_MS;
    }
  }

  async #load(): Promise<RbacSnapshot> {
    const at = this.#server.clock.now();
    const generation = this.#generation;
    const d = defs(this.#server);
    const [cr, r, crb, rb] = await Promise.all([
      listAll(this.#server, d.clusterroles),
      listAll(this.#server, d.roles),
      listAll(this.#server, d.clusterrolebindings),
      listAll(this.#server, d.rolebindings),
    ]);
    const value = buildSnapshot(cr, r, crb, rb);
    this.#snapshot = { at, generation, value };
    if (value.staleAggregations.length > 0) void this.#writeAggregations(value);
    return value;
  }

  async #writeAggregations(s: RbacSnapshot): Promise<void> {
    if (this.#aggregating) return;
    this.#aggregating = true;
    try {
      const rest = new RestStore(this.#server);
      const def = defs(this.#server).clusterroles;
      for (const { role, rules } of s.staleAggregations) {
        await rest
          .update(
            def,
            "",
            role.metadata?.name ?? "",
            async (cur) => ({ ...(cur ?? role), rules }),
            { ...SYSTEM_WRITE, fieldManager: "clusterrole-aggregation-controller" },
          )
          .catch(() => undefined);
      }
    } finally {
      this.#aggregating = false;
    }
  }

  /** Creates the default roles and bindings that are missing, then aggregates. */
  async installBootstrapPolicy(): Promise<void> {
    const d = defs(this.#server);
    const rest = new RestStore(this.#server);
    const create = async (def: ResourceDef, obj: KObject) => {
      if (await this.#server.store.tryGet(def, "", obj.metadata!.name!)) return;
      try {
        await rest.create(def, obj, SYSTEM_WRITE);
      } catch (err) {
        if (!(err instanceof StatusError && err.reason === "AlreadyExists")) throw err;
      }
    };
    await Promise.all(bootstrapClusterRoles().map((o) => create(d.clusterroles, o)));
    await Promise.all(bootstrapClusterRoleBindings().map((o) => create(d.clusterrolebindings, o)));
    const s = await this.snapshot(true);
    await this.#writeAggregations(s);
  }
}
