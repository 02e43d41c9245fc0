/**
 * What mutating and validating webhook dispatch share, as upstream's generic
 * webhook dispatcher: the list of configured webhooks (from a watch-based
 * cache), deciding whether a webhook is called (rules, namespaceSelector,
 * objectSelector, matchConditions), calling it, and turning failures and
 * denials into upstream's errors.
 */
import type { Authorizer } from "../../../auth/types.ts";
import { loadCel } from "../../../cel/lazy.ts";
import { randomUUID } from "node:crypto";
import { StatusError, type StatusReason } from "../../../api/status.ts";
import type { KObject, ResourceDef } from "../../../api/types.ts";
import type { ServerContext } from "../../context.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";
import {
  admissionRequest,
  admissionReview,
  parseReviewResponse,
  reviewVersionFor,
  type WebhookVerdict,
} from "./admission-review.ts";
import { authorizerFor, evaluateConditions, WEBHOOK_VARIABLES } from "./match-conditions.ts";
import { ObjectCache } from "../../object-cache.ts";
import { isExemptConfigurationResource, matchRules } from "./rules.ts";
import { namespaceMatches, objectMatches } from "./selectors.ts";
import {
  postJson,
  resolveClientConfig,
  serviceResolver,
  type ServiceResolver,
} from "./webhook-client.ts";

type Rec = Record<string, unknown>;

/** One webhook of one configuration. */
export interface ConfiguredWebhook {
  configuration: string;
  webhook: Rec;
  name: string;
}

/** A webhook the request is sent to, and the version it is presented in. */
export interface WebhookInvocation extends ConfiguredWebhook {
  as: ResourceDef;
}

/** How webhook dispatch reaches the server; `resolveService` is replaceable in tests. */
export interface WebhookDeps {
  server: () => Promise<ServerContext>;
  resolveService?: ServiceResolver;
  /** Answers CEL `authorizer` checks in matchConditions (without one they are denied). */
  authorizer?: Authorizer;
}

/** Reads one kind of webhook configuration and calls its webhooks. */
export class WebhookSource {
  readonly #deps: WebhookDeps;
  readonly #resource: string;
  #cache?: ObjectCache;
  /** The server, once deps.server() has given it (it never changes). */
  #server?: ServerContext;
  /** The configured webhooks as of the cache's generation. */
  #configured?: { generation: number; hooks: ConfiguredWebhook[] };

  constructor(
    deps: WebhookDeps,
    resource: "mutatingwebhookconfigurations" | "validatingwebhookconfigurations",
  ) {
    this.#deps = deps;
    this.#resource = resource;
  }

  /** Every configured webhook, configurations sorted by name, webhooks in order. */
  async webhooks(server: ServerContext): Promise<ConfiguredWebhook[]> {
    await this.#cacheOf(server).list();
    return this.#webhooksNow(server)!;
  }

  /**
   * True when no webhook is configured, known without waiting (the server
   * bound and the configurations listed): the plugin has nothing to do and
   * answers without a promise, the usual case of every write.
   */
  noneConfigured(): boolean {
    return !!this.#server && this.#webhooksNow(this.#server)?.length === 0;
  }

  /** webhooks() without waiting; undefined until the configurations are first listed. */
  #webhooksNow(server: ServerContext): ConfiguredWebhook[] | undefined {
    const cache = this.#cacheOf(server);
    const configs = cache.listNow();
    if (!configs) return undefined;
    if (this.#configured?.generation !== cache.generation) {
      const hooks: ConfiguredWebhook[] = [];
      for (const cfg of configs) {
        for (const w of Array.isArray(cfg.webhooks) ? (cfg.webhooks as Rec[]) : [])
          hooks.push({
            configuration: cfg.metadata?.name ?? "",
            webhook: w,
            name: String(w.name ?? ""),
          });
      }
      this.#configured = { generation: cache.generation, hooks };
    }
    return this.#configured.hooks;
  }

  #cacheOf(server: ServerContext): ObjectCache {
    return (this.#cache ??= new ObjectCache(
      server,
      server.registry.get("admissionregistration.k8s.io", "v1", this.#resource)!,
    ));
  }

  /**
   * The webhooks to call for attrs with the version each sees. A
   * matchCondition error with failurePolicy Fail rejects the request.
   */
  async matching(
    attrs: AdmissionAttributes,
  ): Promise<{ server: ServerContext; hooks: WebhookInvocation[] }> {
    const server = (this.#server ??= await this.#deps.server());
    if (isExemptConfigurationResource(attrs)) return { server, hooks: [] };
    const hooks: WebhookInvocation[] = [];
    const getNamespace = (name: string) =>
      server.store.tryGet(server.registry.get("", "v1", "namespaces")!, "", name);
    for (const h of await this.webhooks(server)) {
      const w = h.webhook;
      const rules = Array.isArray(w.rules) ? (w.rules as Rec[]) : [];
      const as = matchRules(rules, attrs, w.matchPolicy, server.registry);
      if (!as) continue;
      if (!(await namespaceMatches(w.namespaceSelector, attrs, getNamespace))) continue;
      if (!objectMatches(w.objectSelector, attrs)) continue;
      const request = await admissionRequest(attrs, as, "");
      const { celAuthorizerFor, withAsyncAuthorizer } = await loadCel();
      const evaluate = () =>
        evaluateConditions(w.matchConditions, WEBHOOK_VARIABLES, {
          object: attrs.object ?? null,
          oldObject: attrs.oldObject ?? null,
          request,
          namespaceObject: null,
          authorizer: authorizerFor(attrs),
        });
      const authorizer = this.#deps.authorizer;
      const outcome = authorizer
        ? await withAsyncAuthorizer(celAuthorizerFor(authorizer, attrs.user), evaluate)
        : evaluate();
      if ("error" in outcome) {
        if (w.failurePolicy === "Ignore") continue;
        throw callFailed(h.name, outcome.error);
      }
      if (!outcome.matched) continue;
      hooks.push({ ...h, as });
    }
    return { server, hooks };
  }

  /**
   * Calls one webhook. Returns undefined when the call failed and the
   * failure policy is Ignore; throws upstream's errors otherwise.
   */
  async call(
    server: ServerContext,
    hook: WebhookInvocation,
    attrs: AdmissionAttributes,
    mutating: boolean,
  ): Promise<WebhookVerdict | undefined> {
    const w = hook.webhook;
    const sideEffects = String(w.sideEffects ?? "Unknown");
    if (attrs.dryRun && sideEffects !== "None" && sideEffects !== "NoneOnDryRun")
      throw new StatusError(
        "BadRequest",
        `admission webhook "${hook.name}" does not support dry run`,
      );
    const uid = randomUUID();
    try {
      const version = reviewVersionFor(w);
      if (!version)
        throw new Error(
          `webhook does not accept known AdmissionReview versions: ${JSON.stringify(w.admissionReviewVersions ?? [])}`,
        );
      const endpoint = await resolveClientConfig(
        w.clientConfig,
        this.#deps.resolveService ?? serviceResolver(server),
      );
      const body = await postJson(
        endpoint,
        admissionReview(await admissionRequest(attrs, hook.as, uid), version),
        Number(w.timeoutSeconds ?? 10),
      );
      return parseReviewResponse(body, uid, mutating, version);
    } catch (err) {
      if (err instanceof StatusError) throw err;
      if (w.failurePolicy === "Ignore") return undefined;
      throw callFailed(hook.name, (err as Error).message);
    }
  }
}

/** Upstream's error for a failed call under failurePolicy Fail. */
export function callFailed(name: string, why: string): StatusError {
  const message = `failed calling webhook "${name}": ${why}`;
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

/** Upstream's ToStatusErr: a denial as `admission webhook "<name>" denied the request: <message>`. */
export function denied(name: string, status: WebhookVerdict["status"]): StatusError {
  const s = status ?? {};
  const by = `admission webhook "${name}" denied the request`;
  const message = s.message
    ? `${by}: ${s.message}`
    : s.reason
      ? `${by}: ${s.reason}`
      : `${by} without explanation`;
  const code = typeof s.code === "number" && s.code >= 400 ? s.code : 400;
  return new StatusError(
    (s.reason || undefined) as StatusReason,
    message,
    s.details as StatusError["details"],
    code,
  );
}

/** Adds a verdict's warnings and audit annotations (prefixed by the webhook name) to the request. */
export function recordVerdict(attrs: AdmissionAttributes, name: string, v: WebhookVerdict): void {
  for (const w of v.warnings) attrs.warnings?.push(w);
  if (attrs.auditAnnotations)
    for (const [k, val] of Object.entries(v.auditAnnotations))
      attrs.auditAnnotations[`${name}/${k}`] ??= val;
}

/** Writes an annotation once (the first writer wins, as upstream's audit context). */
export function annotate(attrs: AdmissionAttributes, key: string, value: string): void {
  if (attrs.auditAnnotations) attrs.auditAnnotations[key] ??= value;
}

/** The object as seen by a webhook (for mutation comparisons). */
export const snapshot = (o: KObject | undefined) => JSON.stringify(o ?? null);
