/**
 * Reads the RBAC objects for the authorizer (a snapshot cached for a short
 * time; `fresh` re-reads so a just-created binding is seen at once), installs
 * the bootstrap policy at start and writes aggregated ClusterRole rules back
 * as upstream's clusterrole-aggregation controller does.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef } from "../../api/types.ts";
import type { ServerContext } from "../../apiserver/context.ts";
import { RestStore } from "../../apiserver/rest-store.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap-policy.ts";
import { buildSnapshot, type RbacSnapshot } from "./snapshot.ts";

const SYSTEM_WRITE = {
  dryRun: false,
  user: { username: "system:apiserver", groups: ["system:masters"] },
  subresource: "",
  fieldManager: "kube-apiserver",
};

const RBAC = "rbac.authorization.k8s.io";

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

/** A cached snapshot source bound to one server. */
export class RbacSource {
  readonly #server: ServerContext;
  readonly #maxAgeMs: number;
  #snapshot?: { at: number; value: RbacSnapshot };
  #loading?: Promise<RbacSnapshot>;
  #aggregating = false;

  constructor(server: ServerContext, maxAgeMs = 1000) {
    this.#server = server;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The current snapshot; `fresh` forces a re-read (coalesced with one in flight). */
  async snapshot(fresh: boolean): Promise<RbacSnapshot> {
    const now = this.#server.clock.now();
    if (!fresh && this.#snapshot && now - this.#snapshot.at < this.#maxAgeMs)
      return this.#snapshot.value;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load(): Promise<RbacSnapshot> {
    const at = this.#server.clock.now();
    const d = defs(this.#server);
    const [cr, r, crb, rb] = await Promise.all([
      listAll(this.#server, d.clusterroles),
      listAll(this.#server, d.roles),
      listAll(this.#server, d.clusterrolebindings),
      listAll(this.#server, d.rolebindings),
    ]);
    const value = buildSnapshot(cr, r, crb, rb);
    this.#snapshot = { at, value };
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
