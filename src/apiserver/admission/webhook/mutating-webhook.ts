/**
 * The MutatingAdmissionWebhook plugin: matching mutating webhooks are called
 * one after another (configurations by name, webhooks in order); a JSONPatch
 * answer is applied to the object in the version the webhook saw, converted
 * back and defaulted. Webhooks with reinvocationPolicy IfNeeded are called
 * once more when a later webhook changed the object after them.
 */
import { applyJsonPatch } from "../../../api/patch/json-patch.ts";
import type { KObject } from "../../../api/types.ts";
import type { ServerContext } from "../../context.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { inVersion } from "./rules.ts";
import { convertObjects } from "../../object-store.ts";
import {
  WebhookSource,
  annotate,
  callFailed,
  denied,
  recordVerdict,
  snapshot,
  type WebhookDeps,
  type WebhookInvocation,
} from "./webhook-call.ts";

const apiVersionOf = (d: { group: string; version: string }) =>
  d.group ? `${d.group}/${d.version}` : d.version;

/** Builds the plugin; configurations are read through a watch-based cache. */
export function mutatingWebhookPlugin(deps: WebhookDeps): AdmissionPlugin {
  const source = new WebhookSource(deps, "mutatingwebhookconfigurations");

  async function invoke(
    server: ServerContext,
    hook: WebhookInvocation,
    attrs: AdmissionAttributes,
    round: number,
    index: number,
  ): Promise<void> {
    const verdict = await source.call(server, hook, attrs, true);
    if (!verdict) {
      annotate(
        attrs,
        `failed-open.mutating.webhook.admission.k8s.io/round_${round}_index_${index}`,
        hook.name,
      );
      return;
    }
    recordVerdict(attrs, hook.name, verdict);
    if (!verdict.allowed) throw denied(hook.name, verdict.status);
    let mutated = false;
    if (verdict.patch && attrs.object) {
      let patched: KObject;
      const seen = await inVersion(attrs.object, hook.as);
      try {
        patched = applyJsonPatch(structuredClone(seen), verdict.patch) as KObject;
      } catch (err) {
        if (hook.webhook.failurePolicy === "Ignore") return;
        throw callFailed(hook.name, `failed to apply JSONPatch: ${(err as Error).message}`);
      }
      // CONNECT objects are connect options, not the resource: no conversion or defaults.
      if (attrs.operation !== "CONNECT") {
        if (hook.as !== attrs.def && (attrs.def.convert || attrs.def.convertMany))
          [patched] = await convertObjects(attrs.def, [patched], apiVersionOf(attrs.def));
        attrs.def.strategy?.defaults?.(patched);
      }
      mutated = snapshot(patched) !== snapshot(attrs.object);
      attrs.object = patched;
    }
    annotate(
      attrs,
      `mutation.webhook.admission.k8s.io/round_${round}_index_${index}`,
      JSON.stringify({ configuration: hook.configuration, webhook: hook.name, mutated }),
    );
  }

  return {
    name: "MutatingAdmissionWebhook",
    admit(attrs) {
      return source.noneConfigured() ? undefined : admit(attrs);
    },
  };

  async function admit(attrs: AdmissionAttributes): Promise<void> {
    const { server, hooks } = await source.matching(attrs);
    const reinvocable: { hook: WebhookInvocation; after: string }[] = [];
    for (const [i, hook] of hooks.entries()) {
      await invoke(server, hook, attrs, 0, i);
      if (hook.webhook.reinvocationPolicy === "IfNeeded")
        reinvocable.push({ hook, after: snapshot(attrs.object) });
    }
    for (const [i, { hook, after }] of reinvocable.entries()) {
      if (snapshot(attrs.object) !== after) await invoke(server, hook, attrs, 1, i);
    }
  }
}
