/**
 * API aggregation (kube-aggregator): APIService objects route
 * /apis/<group>/<version>/... to extension API servers behind a Service.
 *
 * - start(): creates the local APIServices (Available, reason Local) and
 *   runs the availability checks of remote ones: GET /apis/<g>/<v> on the
 *   service; the answer sets the Available condition (Passed, or
 *   FailedDiscoveryCheck / ServiceNotFound with the error) and is kept for
 *   discovery.
 * - filter(): after authentication and authorization, proxies requests of
 *   remote group versions (503 while unavailable) and merges available
 *   remote groups into /apis (legacy and aggregated discovery) and /apis/<g>.
 * - Requests to extension servers carry the front-proxy client certificate
 *   (options.proxyClient) with the user in X-Remote-* headers; the server's
 *   OpenAPI documents include the available extension servers' specs; the
 *   extension-apiserver-authentication ConfigMap is published at start.
 */
import { StatusError } from "../../api/status.ts";
import type { KObject } from "../../api/types.ts";
import {
  apiGroupList,
  aggregatedDiscovery,
  wantsAggregatedDiscovery,
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
} from "../discovery.ts";
import type { RequestContext, ServerContext } from "../context.ts";
import type { NamedFilter } from "../pipeline.ts";
import { RestStore } from "../rest-store.ts";
import { writeJSON } from "../response.ts";
import { ObjectCache } from "../object-cache.ts";
import { serviceResolver, type ServiceResolver } from "../admission/webhook/webhook-client.ts";
import type { CertKeyPair } from "../../pki/self-signed.ts";
import type { RequestHeaderConfig } from "../../auth/authenticators/request-header.ts";
import { publishAuthenticationInfo } from "./authentication-info.ts";
import { serviceProblem } from "./availability.ts";
import { localApiServices } from "./local-apiservices.ts";
import { fetchAggregatedSpec } from "./openapi-fetch.ts";
import { aggregatedOpenAPI, type AggregatedSpec } from "./openapi-merge.ts";
import { apiServiceEndpoint, proxyRequest, readBody, upstreamRequest } from "./proxy.ts";
import {
  mergeAggregated,
  mergeGroupList,
  remoteGroup,
  type RemoteVersion,
} from "./discovery-merge.ts";

type Rec = Record<string, unknown>;
const SYSTEM = {
  dryRun: false,
  user: { username: "system:kube-aggregator", groups: ["system:masters"] },
  subresource: "",
  fieldManager: "kube-apiserver",
};

export interface AggregatorOptions {
  /** Replaces Service → address resolution (tests). */
  resolveService?: ServiceResolver;
  /** Period of availability re-checks, ms (default 10000). */
  recheckMs?: number;
  /** The front-proxy client certificate presented to extension servers. */
  proxyClient?: CertKeyPair;
  /** Published in kube-system/extension-apiserver-authentication when given. */
  authenticationInfo?: { clientCaPem?: string; requestHeader?: RequestHeaderConfig };
}

interface Availability {
  status: "True" | "False";
  reason: string;
  message: string;
  /** The APIResourceList served, when available. */
  resources?: Rec;
  /** Its OpenAPI documents, when available. */
  spec?: AggregatedSpec;
}

export class Aggregator {
  readonly #opts: AggregatorOptions;
  #server?: ServerContext;
  #cache?: ObjectCache;
  readonly #state = new Map<string, Availability>();
  /** "group/version" of the APIServices with a service, at the cache's #remoteGeneration. */
  #remote = new Set<string>();
  #remoteGeneration = -1;

  constructor(opts: AggregatorOptions = {}) {
    this.#opts = opts;
  }

  /**
   * Whether a remote APIService (one with a service) serves this API: false
   * lets a resource request skip the aggregator without parsing its URL or
   * waiting on the APIService cache. True until the cache has listed (the
   * general path waits for it).
   */
  #maybeRemote(prefix: string, group: string, version: string): boolean {
    if (prefix !== "apis") return false;
    const all = this.#cache!.listNow();
    if (!all) return true;
    if (this.#remoteGeneration !== this.#cache!.generation) {
      this.#remoteGeneration = this.#cache!.generation;
      this.#remote = new Set(
        all
          .map((a) => a.spec as Rec)
          .filter((spec) => spec?.service)
          .map((spec) => `${String(spec.group)}/${String(spec.version)}`),
      );
    }
    return this.#remote.has(`${group}/${version}`);
  }

  /** The pipeline filter; place it after authorization. */
  filter(): NamedFilter {
    return { name: "aggregator", run: (ctx, next) => this.#handle(ctx, next) };
  }

  /** Creates local APIServices and starts availability checks (until the server stops). */
  async start(server: ServerContext): Promise<void> {
    this.#server = server;
    const def = server.registry.get("apiregistration.k8s.io", "v1", "apiservices")!;
    this.#cache = new ObjectCache(server, def);
    server.extensions = aggregatedOpenAPI(server.extensions, () => this.#specs());
    if (this.#opts.authenticationInfo) void this.#publish(server, this.#opts.authenticationInfo);
    const rest = new RestStore(server);
    // In parallel: start-up writes should settle quickly.
    await Promise.all(
      localApiServices(server.registry, rest.now()).map(async (obj) => {
        const name = obj.metadata!.name!;
        if (await server.store.tryGet(def, "", name)) return;
        try {
          await rest.create(def, structuredClone(obj), SYSTEM);
          await rest.update(def, "", name, async (cur) => ({ ...cur!, status: obj.status }), {
            ...SYSTEM,
            subresource: "status",
          });
        } catch (err) {
          if (!(err instanceof StatusError && err.reason === "AlreadyExists")) throw err;
        }
      }),
    );
    void this.#loop(server);
  }

  /** Publishes the authentication ConfigMap, retrying until the namespace exists. */
  async #publish(
    server: ServerContext,
    info: NonNullable<AggregatorOptions["authenticationInfo"]>,
  ): Promise<void> {
    while (!server.signal.aborted) {
      try {
        await publishAuthenticationInfo(server, info.clientCaPem, info.requestHeader);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  #specs(): AggregatedSpec[] {
    const out: AggregatedSpec[] = [];
    for (const st of this.#state.values()) if (st.status === "True" && st.spec) out.push(st.spec);
    return out;
  }

  async #loop(server: ServerContext): Promise<void> {
    let seen = -1;
    let lastFull = 0;
    const every = this.#opts.recheckMs ?? 10_000;
    while (!server.signal.aborted) {
      const now = server.clock.now();
      const generation = this.#cache!.generation;
      if (generation !== seen || now - lastFull >= every) {
        seen = generation;
        lastFull = now;
        await this.#checkAll(server).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async #checkAll(server: ServerContext): Promise<void> {
    const all = await this.#cache!.list();
    const remote = all.filter((a) => (a.spec as Rec)?.service);
    await Promise.all(remote.map((a) => this.#check(server, a)));
    for (const name of [...this.#state.keys()])
      if (!remote.some((a) => a.metadata?.name === name)) this.#state.delete(name);
  }

  async #check(server: ServerContext, apiService: KObject): Promise<void> {
    const spec = apiService.spec as Rec;
    const name = apiService.metadata?.name ?? "";
    let result: Availability;
    const problem = this.#opts.resolveService
      ? undefined
      : await serviceProblem(server, apiService);
    if (problem) {
      result = { status: "False", ...problem };
      this.#state.set(name, result);
      await this.#writeCondition(server, apiService, result).catch(() => undefined);
      return;
    }
    try {
      const endpoint = await apiServiceEndpoint(apiService, this.#resolver(server));
      const res = await upstreamRequest(endpoint, {
        method: "GET",
        path: `/apis/${String(spec.group)}/${String(spec.version)}`,
        headers: {
          accept: "application/json",
          "x-remote-user": "system:kube-aggregator",
          "x-remote-group": "system:masters",
        },
        timeoutMs: 5000,
        client: this.#opts.proxyClient,
      });
      const body = await readBody(res);
      if (res.statusCode !== 200) {
        result = {
          status: "False",
          reason: "FailedDiscoveryCheck",
          message: `failing or missing response from ${endpoint.url.origin}/apis/${String(spec.group)}/${String(spec.version)}: bad status from ${endpoint.url.origin}/apis/${String(spec.group)}/${String(spec.version)}: ${res.statusCode}`,
        };
      } else {
        result = {
          status: "True",
          reason: "Passed",
          message: "all checks passed",
          resources: JSON.parse(body.toString("utf8")) as Rec,
          spec: await fetchAggregatedSpec(
            endpoint,
            String(spec.group),
            String(spec.version),
            this.#opts.proxyClient,
          ),
        };
      }
    } catch (err) {
      const message = (err as Error).message;
      const reason = /not found/.test(message) ? "ServiceNotFound" : "FailedDiscoveryCheck";
      result = { status: "False", reason, message };
    }
    this.#state.set(name, result);
    await this.#writeCondition(server, apiService, result).catch(() => undefined);
  }

  async #writeCondition(
    server: ServerContext,
    apiService: KObject,
    a: Availability,
  ): Promise<void> {
    const conds = (((apiService.status as Rec)?.conditions ?? []) as Rec[]).filter(
      (c) => c.type === "Available",
    );
    const cur = conds[0];
    if (cur && cur.status === a.status && cur.reason === a.reason && cur.message === a.message)
      return;
    const def = server.registry.get("apiregistration.k8s.io", "v1", "apiservices")!;
    const rest = new RestStore(server);
    const condition = {
      type: "Available",
      status: a.status,
      lastTransitionTime: cur && cur.status === a.status ? cur.lastTransitionTime : rest.now(),
      reason: a.reason,
      message: a.message,
    };
    await rest.update(
      def,
      "",
      apiService.metadata?.name ?? "",
      async (obj) => ({ ...obj!, status: { conditions: [condition] } }),
      { ...SYSTEM, subresource: "status" },
    );
  }

  #resolver(server: ServerContext): ServiceResolver {
    return this.#opts.resolveService ?? serviceResolver(server);
  }

  /** Available remote group versions with their resource lists. */
  #remoteVersions(all: KObject[]): RemoteVersion[] {
    const out: RemoteVersion[] = [];
    for (const a of all) {
      const spec = a.spec as Rec;
      if (!spec?.service) continue;
      const st = this.#state.get(a.metadata?.name ?? "");
      if (st?.status !== "True") continue;
      out.push({
        group: String(spec.group),
        version: String(spec.version),
        groupPriorityMinimum: Number(spec.groupPriorityMinimum ?? 0),
        versionPriority: Number(spec.versionPriority ?? 0),
        resources: st.resources ?? {},
      });
    }
    return out;
  }

  async #handle(ctx: RequestContext, next: () => Promise<void>): Promise<void> {
    if (!this.#cache) return next();
    // A resource request goes on unless a remote APIService serves its group/version.
    const info = ctx.info;
    if (
      info.isResourceRequest &&
      !this.#maybeRemote(info.apiPrefix, info.apiGroup, info.apiVersion)
    )
      return next();
    const path = ctx.url.pathname.replace(/\/+$/, "");
    if (!path.startsWith("/apis")) return next();
    const segments = path.split("/").filter((s) => s);
    const all = await this.#cache.list();
    if (segments.length >= 3) {
      const target = all.find((a) => {
        const spec = a.spec as Rec;
        return spec?.service && spec.group === segments[1] && spec.version === segments[2];
      });
      if (!target) return next();
      const st = this.#state.get(target.metadata?.name ?? "");
      if (st?.status !== "True") throw new StatusError("ServiceUnavailable", "service unavailable");
      const endpoint = await apiServiceEndpoint(target, this.#resolver(ctx.server)).catch(() => {
        throw new StatusError("ServiceUnavailable", "service unavailable");
      });
      try {
        await proxyRequest(ctx, endpoint, this.#opts.proxyClient);
      } catch (err) {
        throw new StatusError(
          "ServiceUnavailable",
          `error trying to reach service: ${(err as Error).message}`,
        );
      }
      return;
    }
    const method = ctx.req.method ?? "GET";
    const remote = this.#remoteVersions(all);
    if (remote.length === 0 || (method !== "GET" && method !== "HEAD")) return next();
    const registry = ctx.server.registry;
    if (segments.length === 1) {
      if (wantsAggregatedDiscovery(ctx.req.headers.accept)) {
        const doc = mergeAggregated(aggregatedDiscovery(registry, false) as Rec, remote);
        writeJSON(ctx.res, 200, doc, AGGREGATED_DISCOVERY_CONTENT_TYPE);
      } else writeJSON(ctx.res, 200, mergeGroupList(apiGroupList(registry) as Rec, remote));
      return;
    }
    const group = remoteGroup(segments[1], remote);
    if (!group || registry.preferredVersion(segments[1])) return next();
    writeJSON(ctx.res, 200, group);
  }
}
