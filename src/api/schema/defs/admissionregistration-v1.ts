/**
 * admissionregistration.k8s.io/v1: webhook configurations,
 * ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding.
 * Field names, protobuf numbers and list/patch markers follow k8s.io/api as
 * served by Kubernetes v1.32. JSON shows NamedRuleWithOperations flat; on the
 * protobuf wire it nests two embedded structs: RuleWithOperations at field 2,
 * and Rule at field 2 of that.
 */
import type { SchemaPackage, TypeSpec } from "../types.ts";
import {
  ATOMIC,
  LABEL_SELECTOR,
  META,
  f,
  inline,
  listOf,
  mergeBy,
  objectMetaField,
  p,
  r,
} from "./spec-builders.ts";

const GROUP = "admissionregistration.k8s.io";
const gvk = (kind: string) => ({ group: GROUP, version: "v1", kind });

const ruleFields: TypeSpec["fields"] = {
  apiGroups: f(1, "[]string", "API groups of the resources; '*' is every group.", ATOMIC),
  apiVersions: f(2, "[]string", "API versions of the resources; '*' is every version.", ATOMIC),
  resources: f(
    3,
    "[]string",
    "Resources ('pods', 'pods/log', '*', 'pods/*', '*/scale', '*/*').",
    ATOMIC,
  ),
  scope: p(4, "string", "Cluster, Namespaced or * (default).", {
    enum: ["*", "Cluster", "Namespaced"],
  }),
};

const operations = f(1, "[]string", "CREATE, UPDATE, DELETE, CONNECT or * for all.", ATOMIC);

function webhook(mutating: boolean): TypeSpec {
  const fields: TypeSpec["fields"] = {
    name: r(1, "string", "Fully qualified name of the webhook."),
    clientConfig: r(2, "WebhookClientConfig", "How to reach the webhook."),
    rules: f(
      3,
      "[]RuleWithOperations",
      "Operations and resources the webhook is called for.",
      ATOMIC,
    ),
    failurePolicy: p(4, "string", "Fail (default) or Ignore when calling the webhook fails.", {
      enum: ["Fail", "Ignore"],
    }),
    matchPolicy: p(9, "string", "Exact or Equivalent (default).", {
      enum: ["Equivalent", "Exact"],
    }),
    namespaceSelector: f(5, LABEL_SELECTOR, "Runs the webhook only for namespaces matching this."),
    objectSelector: f(
      mutating ? 11 : 10,
      LABEL_SELECTOR,
      "Runs the webhook only for objects matching this.",
    ),
    sideEffects: r(6, "string", "None or NoneOnDryRun.", {
      enum: ["None", "NoneOnDryRun", "Some", "Unknown"],
    }),
    timeoutSeconds: p(7, "int32", "Timeout of a call, 1 to 30 seconds (default 10)."),
    admissionReviewVersions: r(
      8,
      "[]string",
      "AdmissionReview versions the webhook accepts, preferred first.",
      ATOMIC,
    ),
    matchConditions: f(
      mutating ? 12 : 11,
      "[]MatchCondition",
      "CEL conditions that must all hold for the webhook to be called.",
      mergeBy("name"),
    ),
  };
  if (mutating)
    fields.reinvocationPolicy = p(10, "string", "Never (default) or IfNeeded.", {
      enum: ["IfNeeded", "Never"],
    });
  return {
    description: mutating
      ? "An admission webhook that may change the objects it admits."
      : "An admission webhook that accepts or rejects objects.",
    fields,
  };
}

function configuration(kind: string, item: string): TypeSpec {
  return {
    description: `A set of ${item === "MutatingWebhook" ? "mutating" : "validating"} admission webhooks.`,
    gvk: [gvk(kind)],
    fields: {
      metadata: objectMetaField(),
      webhooks: f(2, `[]${item}`, "The webhooks and what they are called for.", mergeBy("name")),
    },
  };
}

export const admissionregistrationV1: SchemaPackage = {
  name: "io.k8s.api.admissionregistration.v1",
  types: {
    AuditAnnotation: {
      description: "An audit annotation a policy adds to a request's audit event.",
      fields: {
        key: r(1, "string", "Annotation key, prefixed with the policy name."),
        valueExpression: r(2, "string", "CEL expression producing the value (string or null)."),
      },
    },
    ExpressionWarning: {
      description: "A type-checking warning for one expression.",
      fields: {
        fieldRef: r(2, "string", "Path of the expression's field."),
        warning: r(3, "string", "The type-checking message."),
      },
    },
    MatchCondition: {
      description: "A CEL condition deciding whether a request is sent.",
      fields: {
        name: r(1, "string", "Qualified name of the condition."),
        expression: r(2, "string", "CEL expression evaluating to bool."),
      },
    },
    MatchResources: {
      description: "Which requests an admission policy applies to.",
      fields: {
        namespaceSelector: f(1, LABEL_SELECTOR, "Namespaces whose objects are matched."),
        objectSelector: f(2, LABEL_SELECTOR, "Labels of matched objects."),
        resourceRules: f(
          3,
          "[]NamedRuleWithOperations",
          "Operations and resources matched.",
          ATOMIC,
        ),
        excludeResourceRules: f(
          4,
          "[]NamedRuleWithOperations",
          "Operations and resources excluded.",
          ATOMIC,
        ),
        matchPolicy: p(7, "string", "Exact or Equivalent (default).", {
          enum: ["Equivalent", "Exact"],
        }),
      },
    },
    MutatingWebhook: webhook(true),
    MutatingWebhookConfiguration: configuration("MutatingWebhookConfiguration", "MutatingWebhook"),
    MutatingWebhookConfigurationList: listOf(
      "MutatingWebhookConfiguration",
      gvk("MutatingWebhookConfigurationList"),
    ),
    NamedRuleWithOperations: {
      description: "Operations and resources, optionally limited to resource names.",
      fields: {
        resourceNames: f(1, "[]string", "Names the rule applies to; empty is every name.", ATOMIC),
        // Embeds RuleWithOperations (field 2), which embeds Rule (its field 2).
        ...inline(2, { operations, ...inline(2, ruleFields) }),
      },
    },
    ParamKind: {
      description: "Group version and kind of a policy's parameter objects.",
      fields: {
        apiVersion: f(1, "string", "group/version of the parameter kind."),
        kind: f(2, "string", "Kind of the parameter objects."),
      },
    },
    ParamRef: {
      description: "Which parameter objects a binding uses.",
      fields: {
        name: f(1, "string", "Name of the parameter object."),
        namespace: f(2, "string", "Namespace of the parameter objects."),
        selector: f(3, LABEL_SELECTOR, "Labels of the parameter objects."),
        parameterNotFoundAction: p(4, "string", "Allow or Deny when no parameter is found.", {
          enum: ["Allow", "Deny"],
        }),
      },
    },
    RuleWithOperations: {
      description: "Operations on API groups, versions and resources.",
      fields: { operations, ...inline(2, ruleFields) },
    },
    ServiceReference: {
      description: "A Service hosting a webhook.",
      fields: {
        namespace: r(1, "string", "Namespace of the service."),
        name: r(2, "string", "Name of the service."),
        path: p(3, "string", "URL path sent in every request."),
        port: p(4, "int32", "Port of the service (default 443)."),
      },
    },
    TypeChecking: {
      description: "Results of type checking a policy's expressions.",
      fields: {
        expressionWarnings: f(1, "[]ExpressionWarning", "Warnings per expression.", ATOMIC),
      },
    },
    ValidatingAdmissionPolicy: {
      description: "CEL validations that accept or reject objects without changing them.",
      gvk: [gvk("ValidatingAdmissionPolicy")],
      fields: {
        metadata: objectMetaField(),
        spec: f(2, "ValidatingAdmissionPolicySpec", "What the policy validates and how."),
        status: f(3, "ValidatingAdmissionPolicyStatus", "Type checking results and conditions."),
      },
    },
    ValidatingAdmissionPolicyBinding: {
      description: "Binds a policy to resources and parameters.",
      gvk: [gvk("ValidatingAdmissionPolicyBinding")],
      fields: {
        metadata: objectMetaField(),
        spec: f(2, "ValidatingAdmissionPolicyBindingSpec", "The bound policy, params and actions."),
      },
    },
    ValidatingAdmissionPolicyBindingList: listOf(
      "ValidatingAdmissionPolicyBinding",
      gvk("ValidatingAdmissionPolicyBindingList"),
    ),
    ValidatingAdmissionPolicyBindingSpec: {
      description: "The specification of a policy binding.",
      fields: {
        policyName: f(1, "string", "Name of the bound ValidatingAdmissionPolicy."),
        paramRef: f(2, "ParamRef", "Parameter objects used by the policy."),
        matchResources: f(3, "MatchResources", "Further limits on the requests validated."),
        validationActions: f(4, "[]string", "Deny, Warn and/or Audit.", { listType: "set" }),
      },
    },
    ValidatingAdmissionPolicyList: listOf(
      "ValidatingAdmissionPolicy",
      gvk("ValidatingAdmissionPolicyList"),
    ),
    ValidatingAdmissionPolicySpec: {
      description: "The specification of a ValidatingAdmissionPolicy.",
      fields: {
        paramKind: f(1, "ParamKind", "Kind of the parameter objects."),
        matchConstraints: f(2, "MatchResources", "Requests the policy is designed for."),
        validations: f(3, "[]Validation", "CEL validations.", ATOMIC),
        failurePolicy: p(4, "string", "Fail (default) or Ignore on errors.", {
          enum: ["Fail", "Ignore"],
        }),
        auditAnnotations: f(5, "[]AuditAnnotation", "CEL audit annotations.", ATOMIC),
        matchConditions: f(
          6,
          "[]MatchCondition",
          "CEL conditions for the policy to apply.",
          mergeBy("name"),
        ),
        variables: f(
          7,
          "[]Variable",
          "Named CEL expressions usable as variables.X.",
          mergeBy("name"),
        ),
      },
    },
    ValidatingAdmissionPolicyStatus: {
      description: "Observed state of a ValidatingAdmissionPolicy.",
      fields: {
        observedGeneration: f(1, "int64", "Generation the status describes."),
        typeChecking: f(2, "TypeChecking", "Type checking results."),
        conditions: f(3, `[]${META}.Condition`, "Conditions of the policy.", {
          listType: "map",
          listMapKeys: ["type"],
        }),
      },
    },
    ValidatingWebhook: webhook(false),
    ValidatingWebhookConfiguration: configuration(
      "ValidatingWebhookConfiguration",
      "ValidatingWebhook",
    ),
    ValidatingWebhookConfigurationList: listOf(
      "ValidatingWebhookConfiguration",
      gvk("ValidatingWebhookConfigurationList"),
    ),
    Validation: {
      description: "One CEL validation of a policy.",
      fields: {
        expression: r(1, "string", "CEL expression that must evaluate to true."),
        message: f(2, "string", "Message when the validation fails."),
        reason: p(3, "string", "Status reason when it fails (default Invalid).", {
          enum: ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"],
        }),
        messageExpression: f(4, "string", "CEL expression producing the failure message."),
      },
    },
    Variable: {
      description: "A named CEL expression.",
      fields: {
        name: r(1, "string", "Name, used as variables.<name>."),
        expression: r(2, "string", "CEL expression computing the value."),
      },
    },
    WebhookClientConfig: {
      description: "How to connect to a webhook over TLS.",
      fields: {
        url: p(3, "string", "https URL of the webhook."),
        service: f(1, "ServiceReference", "Service hosting the webhook."),
        caBundle: f(2, "bytes", "PEM CA bundle verifying the webhook's serving certificate."),
      },
    },
  },
};
