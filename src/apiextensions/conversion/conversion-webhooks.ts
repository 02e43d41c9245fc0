/**
 * Per-server conversion webhook plumbing for the CRD controller: one
 * SyncPoster (worker thread) and one ServiceSnapshot, and a converter per
 * CRD whose spec.conversion.strategy is Webhook.
 */
import type { ServerContext } from "../../apiserver/context.ts";
import type { CustomResourceDefinition } from "../types.ts";
import { ServiceSnapshot } from "./service-snapshot.ts";
import { SyncPoster } from "./sync-post.ts";
import { conversionWebhookOf, webhookConverter, type ConvertFn } from "./webhook-converter.ts";

export class ConversionWebhooks {
  readonly #poster = new SyncPoster();
  readonly #services: ServiceSnapshot;

  constructor(server: ServerContext) {
    this.#services = new ServiceSnapshot(server);
    server.signal.addEventListener("abort", () => this.#poster.close(), { once: true });
  }

  /**
   * The webhook converter of `crd`, or undefined when it converts with None.
   * Awaits the service snapshot when the webhook is reached through a service.
   */
  async converterFor(crd: CustomResourceDefinition): Promise<ConvertFn | undefined> {
    const clientConfig = conversionWebhookOf(crd);
    if (!clientConfig) return undefined;
    if (clientConfig.service) await this.#services.ensure();
    return webhookConverter(crd, {
      poster: this.#poster,
      resolveService: (ns, name, port) => this.#services.resolve(ns, name, port),
    });
  }
}
