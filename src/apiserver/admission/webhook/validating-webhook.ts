/**
 * The ValidatingAdmissionWebhook plugin: every matching validating webhook
 * is called in parallel after mutation and schema validation; the first
 * denial (in configuration order) rejects the request with the webhook's
 * status. Warnings and audit annotations of every answer are kept.
 */
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import {
  WebhookSource,
  annotate,
  denied,
  recordVerdict,
  type WebhookDeps,
} from "./webhook-call.ts";

/** Builds the plugin; configurations are read through a watch-based cache. */
export function validatingWebhookPlugin(deps: WebhookDeps): AdmissionPlugin {
  const source = new WebhookSource(deps, "validatingwebhookconfigurations");
  return {
    name: "ValidatingAdmissionWebhook",
    validate(attrs) {
      return source.noneConfigured() ? undefined : validate(attrs);
    },
  };

  async function validate(attrs: AdmissionAttributes): Promise<void> {
    const { server, hooks } = await source.matching(attrs);
    if (hooks.length === 0) return;
    const results = await Promise.allSettled(
      hooks.map((h) => source.call(server, h, attrs, false)),
    );
    let first: unknown;
    results.forEach((r, i) => {
      const hook = hooks[i];
      if (r.status === "rejected") {
        first ??= r.reason;
        return;
      }
      if (!r.value) {
        annotate(
          attrs,
          `failed-open.validating.webhook.admission.k8s.io/round_0_index_${i}`,
          hook.name,
        );
        return;
      }
      recordVerdict(attrs, hook.name, r.value);
      if (!r.value.allowed) first ??= denied(hook.name, r.value.status);
    });
    if (first) throw first;
  }
}
