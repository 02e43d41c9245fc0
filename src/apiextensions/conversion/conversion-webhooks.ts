/**
 * Per-server conversion webhook plumbing for the CRD controller: a batch
 * converter per CRD whose spec.conversion.strategy is Webhook, reaching
 * clientConfig.service through the server's Services and Endpoints (read
 * when a conversion needs them, as the admission webhook client does), over
 * one keep-alive connection pool per server (closed when the server stops).
 */
import { Agent } from "node:https";
import type { ServerContext } from "../../apiserver/context.ts";
import { serviceResolver } from "../../apiserver/admission/webhook/webhook-client.ts";
import type { CustomResourceDefinition } from "../types.ts";
import {
  conversionWebhookOf,
  webhookConverter,
  type BatchConvertFn,
  type WebhookConverterDeps,
} from "./webhook-converter.ts";

export class ConversionWebhooks {
  readonly #deps: WebhookConverterDeps;

  /** `deps` overrides the converter's defaults (tests: timeout, UIDs). */
  constructor(server: ServerContext, deps: Partial<WebhookConverterDeps> = {}) {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    server.signal.addEventListener("abort", () => agent.destroy(), { once: true });
    this.#deps = { resolveService: serviceResolver(server), agent, ...deps };
  }

  /** The webhook converter of `crd`, or undefined when it converts with None. */
  converterFor(crd: CustomResourceDefinition): BatchConvertFn | undefined {
    if (!conversionWebhookOf(crd)) return undefined;
    return webhookConverter(crd, this.#deps);
  }
}
