import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../types.ts";
import { loadCel } from "../../cel/lazy.ts";
import { admissionregistrationResources } from "./admissionregistration.ts";
import { apiregistrationResources } from "./apiregistration.ts";

const def = (resource: string) =>
  [...admissionregistrationResources(), ...apiregistrationResources()].find(
    (d) => d.resource === resource,
  )!;

// Expression checks compile CEL; the API server loads it before validating writes.
before(() => loadCel());

/** Defaults then validates, returning "field: message" lines. */
function check(resource: string, obj: KObject): string[] {
  const d = def(resource);
  const o = structuredClone(obj);
  d.strategy?.defaults?.(o);
  return (d.strategy?.validate?.(o) ?? []).map((e) => `${e.field}: ${e.message}`);
}

const hook = (over: Record<string, unknown> = {}) => ({
  name: "deny.example.com",
  clientConfig: { url: "https://127.0.0.1:8443/v" },
  rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] }],
  sideEffects: "None",
  admissionReviewVersions: ["v1"],
  ...over,
});
const vwc = (...webhooks: unknown[]): KObject => ({ metadata: { name: "c" }, webhooks });

test("webhook configurations validate as upstream", () => {
  const cases: [string, KObject, string[]][] = [
    ["valid", vwc(hook()), []],
    [
      "short name, bad url scheme",
      vwc(hook({ name: "x", clientConfig: { url: "http://a" } })),
      [
        'webhooks[0].name: Invalid value: "x": should be a domain with at least three segments separated by dots',
        `webhooks[0].clientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme`,
      ],
    ],
    [
      "timeout and sideEffects",
      vwc(hook({ timeoutSeconds: 31, sideEffects: "Some" })),
      [
        'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
        "webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds",
      ],
    ],
    [
      "both url and service",
      vwc(hook({ clientConfig: { url: "https://a", service: { name: "s", namespace: "n" } } })),
      ["webhooks[0].clientConfig: Required value: exactly one of url or service is required"],
    ],
    [
      "duplicate names",
      vwc(hook(), hook()),
      ['webhooks[1].name: Duplicate value: "deny.example.com"'],
    ],
    [
      "wildcard mixed with others",
      vwc(
        hook({
          rules: [
            {
              operations: ["*", "CREATE"],
              apiGroups: ["*"],
              apiVersions: ["*"],
              resources: ["*", "pods"],
            },
          ],
        }),
      ),
      [
        'webhooks[0].rules[0].operations: Invalid value: []string{"*", "CREATE"}: if \'*\' is present, must not specify other operations',
        'webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if \'*\' is present, must not specify other resources without subresources',
      ],
    ],
  ];
  for (const [name, obj, want] of cases)
    assert.deepEqual(check("validatingwebhookconfigurations", obj), want, name);
});

test("webhook defaults follow upstream v1", () => {
  const o = vwc(hook({ clientConfig: { service: { name: "s", namespace: "n" } } }));
  def("mutatingwebhookconfigurations").strategy!.defaults!(o);
  const w = (o.webhooks as Record<string, unknown>[])[0];
  assert.equal(w.failurePolicy, "Fail");
  assert.equal(w.matchPolicy, "Equivalent");
  assert.equal(w.timeoutSeconds, 10);
  assert.equal(w.reinvocationPolicy, "Never");
  assert.deepEqual(w.namespaceSelector, {});
  assert.equal((w.rules as Record<string, unknown>[])[0].scope, "*");
  assert.equal(
    ((w.clientConfig as Record<string, unknown>).service as Record<string, unknown>).port,
    443,
  );
});

test("policies and bindings validate as upstream", () => {
  const policy = (spec: Record<string, unknown>): KObject => ({ metadata: { name: "p" }, spec });
  const rules = {
    resourceRules: [
      {
        operations: ["CREATE"],
        apiGroups: ["apps"],
        apiVersions: ["v1"],
        resources: ["deployments"],
      },
    ],
  };
  assert.deepEqual(
    check(
      "validatingadmissionpolicies",
      policy({ matchConstraints: rules, validations: [{ expression: "true" }] }),
    ),
    [],
  );
  assert.deepEqual(check("validatingadmissionpolicies", policy({})), [
    "spec.matchConstraints: Required value",
    "spec.validations: Required value: validations or auditAnnotations must contain at least one item",
    "spec.auditAnnotations: Required value: validations or auditAnnotations must contain at least one item",
  ]);
  assert.deepEqual(
    check(
      "validatingadmissionpolicies",
      policy({ matchConstraints: rules, validations: [{ expression: "true", reason: "Nope" }] }),
    ),
    [
      'spec.validations[0].reason: Unsupported value: "Nope": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"',
    ],
  );
  const binding = (spec: Record<string, unknown>): KObject => ({ metadata: { name: "b" }, spec });
  assert.deepEqual(
    check(
      "validatingadmissionpolicybindings",
      binding({ policyName: "p", validationActions: ["Deny"] }),
    ),
    [],
  );
  assert.deepEqual(
    check("validatingadmissionpolicybindings", binding({ validationActions: ["Deny", "Warn"] })),
    [
      "spec.policyName: Required value",
      'spec.validationActions: Invalid value: []string{"Deny", "Warn"}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)',
    ],
  );
  assert.deepEqual(check("validatingadmissionpolicybindings", binding({ policyName: "p" })), [
    "spec.validationActions: Required value: at least one validation action is required",
  ]);
});

test("APIService names must be version.group", () => {
  const svc = (name: string, spec: Record<string, unknown>): KObject => ({
    metadata: { name },
    spec,
  });
  const spec = {
    group: "demo.example.com",
    version: "v1",
    groupPriorityMinimum: 1000,
    versionPriority: 15,
    service: { namespace: "default", name: "api" },
  };
  assert.deepEqual(check("apiservices", svc("v1.demo.example.com", spec)), []);
  assert.deepEqual(check("apiservices", svc("v2.demo.example.com", spec)), [
    'metadata.name: Invalid value: "v2.demo.example.com": must be `spec.version+"."+spec.group`',
  ]);
  assert.deepEqual(
    check(
      "apiservices",
      svc("v1.demo.example.com", { ...spec, caBundle: "eA==", insecureSkipTLSVerify: true }),
    ),
    ["spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present"],
  );
});

test("CEL expressions must compile with the variables upstream declares", () => {
  const rules = {
    resourceRules: [
      {
        operations: ["CREATE"],
        apiGroups: ["apps"],
        apiVersions: ["v1"],
        resources: ["deployments"],
      },
    ],
  };
  const errs = check("validatingadmissionpolicies", {
    metadata: { name: "p" },
    spec: {
      matchConstraints: rules,
      validations: [{ expression: "object.spec.replicas <=" }, { expression: "object != null" }],
    },
  });
  assert.equal(errs.length, 1);
  assert.match(
    errs[0],
    /^spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: ERROR: <input>:1:\d+: Syntax error/,
  );
  const hookErrs = check("validatingwebhookconfigurations", {
    metadata: { name: "c" },
    webhooks: [hook({ matchConditions: [{ name: "p", expression: "params.x == 1" }] })],
  });
  assert.equal(hookErrs.length, 1);
  assert.match(hookErrs[0], /matchConditions\[0\]\.expression: .*undeclared reference to 'params'/);
});

test("policy expressions declare what upstream's compilers declare", () => {
  const rules = {
    resourceRules: [
      { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
    ],
  };
  const paramKind = { apiVersion: "v1", kind: "ConfigMap" };
  const undeclared = (name: string) => `undeclared reference to '${name}'`;
  // [spec fields, field with the error (or undefined), what the error names]
  const cases: [Record<string, unknown>, string | undefined, string?][] = [
    // matchConditions compile without composition: no `variables`, even when declared.
    [
      {
        variables: [{ name: "big", expression: "true" }],
        matchConditions: [{ name: "m", expression: "variables.big" }],
      },
      "spec.matchConditions[0].expression",
      undeclared("variables"),
    ],
    [{ matchConditions: [{ name: "m", expression: "namespaceObject == null" }] }, undefined],
    [
      {
        matchConditions: [
          { name: "m", expression: "authorizer.requestResource.check('get').allowed()" },
        ],
      },
      undefined,
    ],
    // `params` only with a paramKind, everywhere.
    [
      { matchConditions: [{ name: "m", expression: "params == null" }] },
      "spec.matchConditions[0].expression",
      undeclared("params"),
    ],
    [{ paramKind, matchConditions: [{ name: "m", expression: "params == null" }] }, undefined],
    [
      { validations: [{ expression: "params != null" }] },
      "spec.validations[1].expression",
      undeclared("params"),
    ],
    [{ paramKind, validations: [{ expression: "params != null" }] }, undefined],
    [
      { variables: [{ name: "p", expression: "params" }] },
      "spec.variables[0].expression",
      undeclared("params"),
    ],
    [
      { auditAnnotations: [{ key: "k", valueExpression: "string(params)" }] },
      "spec.auditAnnotations[0].valueExpression",
      undeclared("params"),
    ],
    // messageExpressions get no authorizer.
    [
      {
        validations: [
          {
            expression: "true",
            messageExpression: "authorizer.requestResource.check('get').reason()",
          },
        ],
      },
      "spec.validations[1].messageExpression",
      undeclared("authorizer"),
    ],
    [
      { validations: [{ expression: "authorizer.requestResource.check('get').allowed()" }] },
      undefined,
    ],
  ];
  for (const [extra, field, named] of cases) {
    const { validations, ...rest } = extra as { validations?: unknown[] };
    const errs = check("validatingadmissionpolicies", {
      metadata: { name: "p" },
      spec: {
        matchConstraints: rules,
        validations: [{ expression: "true" }, ...(validations ?? [])],
        ...rest,
      },
    });
    if (field === undefined) assert.deepEqual(errs, [], JSON.stringify(extra));
    else {
      assert.equal(errs.length, 1, `${JSON.stringify(extra)}: ${errs.join("; ")}`);
      assert.ok(errs[0]!.startsWith(`${field}: Invalid value: `), errs[0]);
      assert.ok(errs[0]!.includes(named!), errs[0]);
    }
  }
});

test("auditAnnotations: unique keys, at most 20, valueExpression at most 5 KiB", () => {
  const spec = (auditAnnotations: unknown[]) => ({
    metadata: { name: "p" },
    spec: {
      matchConstraints: {
        resourceRules: [
          { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
        ],
      },
      auditAnnotations,
    },
  });
  assert.deepEqual(
    check(
      "validatingadmissionpolicies",
      spec([
        { key: "a", valueExpression: "'x'" },
        { key: "a", valueExpression: "'y'" },
      ]),
    ),
    ['spec.auditAnnotations[1].key: Duplicate value: "a"'],
  );
  const many = Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, valueExpression: "'v'" }));
  const errs = check("validatingadmissionpolicies", spec(many));
  assert.equal(errs.length, 1);
  assert.match(
    errs[0]!,
    /^spec\.auditAnnotations: Invalid value: \[\]admissionregistration\.AuditAnnotation\{admissionregistration\.AuditAnnotation\{Key:"k0", ValueExpression:"'v'"\}, .*: must not have more than 20 auditAnnotations$/,
  );
  const long = `'${"x".repeat(5 * 1024)}'`;
  assert.deepEqual(
    check("validatingadmissionpolicies", spec([{ key: "a", valueExpression: long }])),
    [
      "spec.auditAnnotations[0].valueExpression: Required value: must not exceed 5120 bytes in length",
    ],
  );
});

test("policy messages and binding references validate as upstream", () => {
  const rules = {
    resourceRules: [
      { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
    ],
  };
  const policyErrs = (validation: Record<string, unknown>) =>
    check("validatingadmissionpolicies", {
      metadata: { name: "p" },
      spec: { matchConstraints: rules, validations: [validation] },
    });
  const cases: [Record<string, unknown>, string[]][] = [
    [
      { expression: "  " },
      ["spec.validations[0].expression: Required value: expression is not specified"],
    ],
    [
      { expression: "true", messageExpression: "  " },
      [
        'spec.validations[0].messageExpression: Invalid value: "  ": must be non-empty if specified',
      ],
    ],
    [
      { expression: "true", message: " " },
      ['spec.validations[0].message: Invalid value: " ": message must be non-empty if specified'],
    ],
    [{ expression: "true", message: "trailing newline\n" }, []],
    [
      { expression: "true", message: "two\nlines" },
      [
        'spec.validations[0].message: Invalid value: "two\\nlines": message must not contain line breaks',
      ],
    ],
  ];
  for (const [validation, want] of cases)
    assert.deepEqual(policyErrs(validation), want, JSON.stringify(validation));
  const bindingErrs = (spec: Record<string, unknown>) =>
    check("validatingadmissionpolicybindings", {
      metadata: { name: "b" },
      spec: { policyName: "p", validationActions: ["Deny"], ...spec },
    });
  assert.deepEqual(bindingErrs({ policyName: "Not_A_Name" }), [
    "spec.policyName: Invalid value: \"Not_A_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
  ]);
  assert.deepEqual(bindingErrs({ paramRef: { name: "a/b", parameterNotFoundAction: "Deny" } }), [
    `spec.paramRef.name: Invalid value: "a/b": may not contain '/'`,
  ]);
  assert.deepEqual(
    bindingErrs({ paramRef: { name: "a", selector: {}, parameterNotFoundAction: "Deny" } }),
    [
      "spec.paramRef.name: Forbidden: name and selector are mutually exclusive",
      "spec.paramRef.selector: Forbidden: name and selector are mutually exclusive",
    ],
  );
});

test("a policy update keeping paramKind and matchConditions does not re-check them, as upstream", () => {
  const d = def("validatingadmissionpolicies");
  const rules = {
    resourceRules: [
      { operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"] },
    ],
  };
  // Stored under older rules: a matchCondition reading `variables`.
  const stored: KObject = {
    metadata: { name: "p", resourceVersion: "5" },
    spec: {
      matchConstraints: rules,
      variables: [{ name: "big", expression: "true" }],
      matchConditions: [{ name: "m", expression: "variables.big" }],
      validations: [{ expression: "true" }],
    },
  };
  d.strategy?.defaults?.(stored);
  assert.equal(d.strategy?.validateUpdateIsComplete, true);
  const update = (spec: Record<string, unknown>) => {
    const next = structuredClone(stored);
    Object.assign(next.spec as object, spec);
    return (d.strategy?.validateUpdate?.(next, stored) ?? []).map((e) => e.field);
  };
  assert.deepEqual(update({ validations: [{ expression: "object != null" }] }), []);
  assert.deepEqual(update({ matchConditions: [{ name: "m2", expression: "variables.big" }] }), [
    "spec.matchConditions[0].expression",
  ]);
  assert.deepEqual(update({ paramKind: { apiVersion: "v1", kind: "ConfigMap" } }), [
    "spec.matchConditions[0].expression",
  ]);
  // A create is always checked.
  assert.equal(check("validatingadmissionpolicies", stored).length, 1);
});
