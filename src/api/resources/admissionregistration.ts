/**
 * The admissionregistration.k8s.io/v1 resources: webhook configurations and
 * ValidatingAdmissionPolicy (+ binding), with upstream's v1 defaults.
 * MutatingAdmissionPolicy is alpha in v1.32 and not served.
 */
import type { KObject, ResourceDef } from "../types.ts";
import { statusSplit } from "../defaults/status.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";
import { isObject } from "../validation/field.ts";
import { validateWebhookConfiguration } from "./admissionregistration-validation.ts";
import {
  validatePolicy,
  validatePolicyBinding,
} from "./admissionregistration-policy-validation.ts";

export const ADMISSION_GROUP = "admissionregistration.k8s.io";

type Rec = Record<string, unknown>;

function defaultRules(rules: unknown): void {
  if (!Array.isArray(rules)) return;
  for (const r of rules) if (isObject(r) && r.scope === undefined) r.scope = "*";
}

/** Upstream's SetDefaults_MatchResources (policy bindings' and policies' match criteria). */
function defaultMatchResources(m: Rec): void {
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  m.matchPolicy ??= "Equivalent";
  defaultRules(m.resourceRules);
  defaultRules(m.excludeResourceRules);
}

/** Defaults one webhook of a configuration (SetDefaults_(Validating|Mutating)Webhook). */
export function defaultWebhook(w: Rec, mutating: boolean): void {
  w.failurePolicy ??= "Fail";
  w.matchPolicy ??= "Equivalent";
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= 10;
  if (mutating) w.reinvocationPolicy ??= "Never";
  defaultRules(w.rules);
  const svc = isObject(w.clientConfig) ? w.clientConfig.service : undefined;
  if (isObject(svc)) svc.port ??= 443;
}

const webhookDefaults = (mutating: boolean) => (o: KObject) => {
  if (!Array.isArray(o.webhooks)) return;
  for (const w of o.webhooks) if (isObject(w)) defaultWebhook(w, mutating);
};

function defaultPolicy(o: KObject): void {
  if (!isObject(o.spec)) return;
  o.spec.failurePolicy ??= "Fail";
  if (isObject(o.spec.matchConstraints)) defaultMatchResources(o.spec.matchConstraints);
}

function defaultBinding(o: KObject): void {
  if (!isObject(o.spec)) return;
  if (isObject(o.spec.matchResources)) defaultMatchResources(o.spec.matchResources);
  if (isObject(o.spec.paramRef)) o.spec.paramRef.parameterNotFoundAction ??= "Deny";
}

/**
 * Create validates the object; update validates it against the old one
 * (a validator may relax checks of what the update keeps) plus metadata.
 */
const withMetaUpdate = (
  validate: (o: KObject, old?: KObject) => ReturnType<typeof validatePolicy>,
) => ({
  usesCel: true, // expressions are compiled
  validate: (o: KObject) => validate(o),
  validateUpdate: (o: KObject, old: KObject) => [
    ...validate(o, old),
    ...validateMetaUpdate(o, old),
  ],
  validateUpdateIsComplete: true,
});

/** Every admissionregistration.k8s.io/v1 resource definition. */
export function admissionregistrationResources(): ResourceDef[] {
  const base = { group: ADMISSION_GROUP, version: "v1", namespaced: false };
  return [
    {
      ...base,
      resource: "mutatingwebhookconfigurations",
      singular: "mutatingwebhookconfiguration",
      kind: "MutatingWebhookConfiguration",
      categories: ["api-extensions"],
      strategy: {
        defaults: webhookDefaults(true),
        ...withMetaUpdate((o) => validateWebhookConfiguration(o, true)),
      },
      hasGeneration: true,
    },
    {
      ...base,
      resource: "validatingadmissionpolicies",
      singular: "validatingadmissionpolicy",
      kind: "ValidatingAdmissionPolicy",
      categories: ["api-extensions"],
      subresources: [
        { name: "status", kind: "ValidatingAdmissionPolicy", verbs: ["get", "patch", "update"] },
      ],
      strategy: {
        defaults: defaultPolicy,
        ...statusSplit(),
        ...withMetaUpdate(validatePolicy),
      },
      hasGeneration: true,
    },
    {
      ...base,
      resource: "validatingadmissionpolicybindings",
      singular: "validatingadmissionpolicybinding",
      kind: "ValidatingAdmissionPolicyBinding",
      categories: ["api-extensions"],
      strategy: { defaults: defaultBinding, ...withMetaUpdate(validatePolicyBinding) },
      hasGeneration: true,
    },
    {
      ...base,
      resource: "validatingwebhookconfigurations",
      singular: "validatingwebhookconfiguration",
      kind: "ValidatingWebhookConfiguration",
      categories: ["api-extensions"],
      strategy: {
        defaults: webhookDefaults(false),
        ...withMetaUpdate((o) => validateWebhookConfiguration(o, false)),
      },
      hasGeneration: true,
    },
  ];
}
