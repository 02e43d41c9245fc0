import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline } from "../../pipeline.ts";
import { startTestServer, type TestServer } from "../../testing/test-server.ts";
import type { Authorizer } from "../../../auth/types.ts";
import { extensibilityAdmission } from "../webhook/extensibility.ts";

type Rec = Record<string, unknown>;
let api: TestServer;
const audited = new Map<string, Record<string, string>>();

/** Checks the policies' CEL authorizer made: only listing secrets is allowed. */
const checks: string[] = [];
const authorizer: Authorizer = {
  name: "test",
  async authorize(a) {
    checks.push(`${a.user.username}:${a.verb}:${a.resource}:${a.namespace}`);
    return a.verb === "list" && a.resource === "secrets"
      ? { decision: "allow", reason: "" }
      : { decision: "noOpinion", reason: "" };
  },
};

before(async () => {
  const ext = extensibilityAdmission({ authorizer });
  const pipeline = defaultPipeline();
  pipeline.admission.push(...ext.plugins, {
    // Records the audit annotations admission left on each configmap.
    name: "CaptureAuditAnnotations",
    validate(a) {
      if (a.def.resource === "configmaps" && a.object?.metadata?.name)
        audited.set(a.object.metadata.name, { ...a.auditAnnotations });
    },
  });
  // Admission waits for bind(), so the bootstrap (which startTestServer awaits) is off.
  api = await startTestServer({ pipeline, bootstrap: false });
  ext.bind(api.server.context);
  for (const name of ["default", "limits"])
    await api.call("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name },
    });
});

after(async () => {
  await api.close();
});

const AR = "/apis/admissionregistration.k8s.io/v1";

async function create(path: string, obj: Rec) {
  const r = await api.call("POST", path, obj);
  assert.equal(r.status, 201, r.text);
}

function policy(name: string, spec: Rec): Rec {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name },
    spec: {
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [""],
            apiVersions: ["v1"],
            operations: ["CREATE", "UPDATE"],
            resources: ["configmaps"],
          },
        ],
      },
      ...spec,
    },
  };
}

function binding(name: string, spec: Rec): Rec {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name },
    spec,
  };
}

/** Creates configmaps until `ok` accepts the reply (policy changes arrive through a watch). */
async function createUntil(ns: string, data: Rec, labels: Rec, ok: (s: number, b: Rec) => boolean) {
  let last = { status: 0, body: {} as Rec, headers: new Headers() };
  for (let i = 0; i < 100; i++) {
    const r = await api.call("POST", `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { generateName: "cm-", labels },
      data,
    });
    last = { status: r.status, body: r.body as Rec, headers: r.headers };
    if (ok(r.status, r.body as Rec)) return last;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`never accepted: ${last.status} ${JSON.stringify(last.body)}`);
}

test("Deny rejects with upstream's message; messageExpression, variables and reason apply", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("small-data", {
      variables: [{ name: "n", expression: "has(object.data) ? object.data.size() : 0" }],
      validations: [
        {
          expression: "variables.n <= 2",
          messageExpression: "'too many keys: ' + string(variables.n)",
          reason: "Forbidden",
        },
      ],
    }),
  );
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("small-data-binding", {
      policyName: "small-data",
      validationActions: ["Deny"],
      matchResources: { objectSelector: { matchLabels: { check: "deny" } } },
    }),
  );
  const r = await createUntil(
    "default",
    { a: "1", b: "2", c: "3" },
    { check: "deny" },
    (s) => s === 403,
  );
  assert.match(
    String(r.body.message),
    /^configmaps "cm-[a-z0-9]{5}" is forbidden: ValidatingAdmissionPolicy 'small-data' with binding 'small-data-binding' denied request: too many keys: 3$/,
  );
  assert.equal(r.body.reason, "Forbidden");
  await createUntil("default", { a: "1" }, { check: "deny" }, (s) => s === 201);
  await createUntil("default", { a: "1", b: "2", c: "3" }, {}, (s) => s === 201);
});

test("Warn adds a warning and lets the request through", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("needs-owner", {
      validations: [
        {
          expression: "has(object.metadata.labels) && 'owner' in object.metadata.labels",
          message: "an owner label is expected",
        },
      ],
    }),
  );
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("needs-owner-warn", {
      policyName: "needs-owner",
      validationActions: ["Warn", "Audit"],
      matchResources: { objectSelector: { matchLabels: { check: "warn" } } },
    }),
  );
  const r = await createUntil("default", {}, { check: "warn" }, (s, _b) => s === 201);
  const deadline = await createUntil("default", {}, { check: "warn" }, () => true);
  const warning = deadline.headers.get("warning") ?? r.headers.get("warning") ?? "";
  assert.match(
    warning,
    /Validation failed for ValidatingAdmissionPolicy 'needs-owner' with binding 'needs-owner-warn': an owner label is expected/,
  );
});

test("Audit records the failure and auditAnnotations publish trimmed values, as upstream", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("count-keys", {
      validations: [
        { expression: "!has(object.data) || object.data.size() < 2", message: "at most one key" },
      ],
      auditAnnotations: [
        {
          key: "keys",
          valueExpression: "'  ' + string(has(object.data) ? object.data.size() : 0) + '  '",
        },
      ],
    }),
  );
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("count-keys-audit", {
      policyName: "count-keys",
      validationActions: ["Audit"],
      matchResources: { objectSelector: { matchLabels: { check: "audit-only" } } },
    }),
  );
  const r = await createUntil(
    "default",
    { a: "1", b: "2" },
    { check: "audit-only" },
    (s, b) => s === 201 && !!audited.get(String((b.metadata as Rec).name))?.["count-keys/keys"],
  );
  const annotations = audited.get(String((r.body.metadata as Rec).name))!;
  assert.equal(annotations["count-keys/keys"], "2");
  assert.deepEqual(
    JSON.parse(annotations["validation.policy.admission.k8s.io/validation_failure"]!),
    [
      {
        message: "at most one key",
        policy: "count-keys",
        binding: "count-keys-audit",
        expressionIndex: 0,
        validationActions: ["Audit"],
      },
    ],
  );
});

test("params come from the binding's paramRef; a missing param follows parameterNotFoundAction", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("max-keys", {
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
      validations: [
        { expression: "!has(object.data) || object.data.size() <= int(params.data.max)" },
      ],
    }),
  );
  await create("/api/v1/namespaces/limits/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "max-keys" },
    data: { max: "1" },
  });
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("max-keys-binding", {
      policyName: "max-keys",
      validationActions: ["Deny"],
      paramRef: { name: "max-keys", parameterNotFoundAction: "Deny" },
      matchResources: { objectSelector: { matchLabels: { check: "params" } } },
    }),
  );
  const r = await createUntil("limits", { a: "1", b: "2" }, { check: "params" }, (s) => s === 422);
  assert.match(
    String(r.body.message),
    /denied request: failed expression: !has\(object.data\) \|\| object.data.size\(\) <= int\(params.data.max\)$/,
  );
  await createUntil("limits", { a: "1" }, { check: "params" }, (s) => s === 201);
  const missing = await createUntil("default", { a: "1" }, { check: "params" }, (s) => s === 422);
  assert.match(
    String(missing.body.message),
    /no params found for policy binding with `Deny` parameterNotFoundAction/,
  );
});

test("an auditAnnotation that errors denies under Fail, whatever the binding's actions", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("audited", {
      auditAnnotations: [
        { key: "size", valueExpression: "'  ' + string(object.data.size()) + '  '" },
        { key: "mode", valueExpression: "string(object.data.mode)" },
      ],
    }),
  );
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("audited-binding", {
      policyName: "audited",
      validationActions: ["Audit"],
      matchResources: { objectSelector: { matchLabels: { check: "audit" } } },
    }),
  );
  const denied = await createUntil("default", { a: "1" }, { check: "audit" }, (s) => s === 422);
  assert.match(
    String(denied.body.message),
    /ValidatingAdmissionPolicy 'audited' with binding 'audited-binding' denied request: expression .string\(object.data.mode\). resulted in error: no such key: mode$/,
  );
  await createUntil("default", { a: "1", mode: "x" }, { check: "audit" }, (s) => s === 201);
});

test("policies get status.observedGeneration and typeChecking", async () => {
  for (let i = 0; i < 100; i++) {
    const r = await api.call("GET", `${AR}/validatingadmissionpolicies/small-data`);
    const status = r.body.status as Rec | undefined;
    if (status?.typeChecking) {
      assert.equal(status.observedGeneration, 1);
      assert.deepEqual(status.typeChecking, {});
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail("status never written");
});

test("authorizer checks in expressions are answered by the server's authorizer", async () => {
  await create(
    `${AR}/validatingadmissionpolicies`,
    policy("needs-rights", {
      validations: [
        {
          expression:
            "authorizer.group('').resource('secrets').namespace('default').check('list').allowed()",
          message: "cannot list secrets",
        },
        {
          expression:
            "!has(object.data) || !('admin' in object.data) || authorizer.group('').resource('pods').namespace('default').check('delete').allowed()",
          message: "only pod deleters may set admin",
        },
      ],
    }),
  );
  await create(
    `${AR}/validatingadmissionpolicybindings`,
    binding("needs-rights-binding", {
      policyName: "needs-rights",
      validationActions: ["Deny"],
      matchResources: { objectSelector: { matchLabels: { check: "authz" } } },
    }),
  );
  const denied = await createUntil("default", { admin: "x" }, { check: "authz" }, (s) => s === 422);
  assert.match(String(denied.body.message), /only pod deleters may set admin$/);
  await createUntil("default", { plain: "x" }, { check: "authz" }, (s) => s === 201);
  assert.ok(
    checks.some((c) => c.endsWith(":list:secrets:default")),
    checks.join(", "),
  );
  assert.ok(
    checks.some((c) => c.endsWith(":delete:pods:default")),
    checks.join(", "),
  );
});

test("variables are typed by their expressions when a policy is validated", async () => {
  const cases: [string, string, number, RegExp?][] = [
    // A bool variable is a bool validation (dyn would fail "must evaluate to bool").
    ["typed-ok", "!variables.big", 201],
    ["typed-missing", "variables.nope", 422, /undefined field 'nope'/],
    [
      "typed-wrong",
      "variables.big == 'yes'",
      422,
      /no matching overload for '_==_' applied to '\(bool, string\)'/,
    ],
  ];
  for (const [name, expression, status, message] of cases) {
    const r = await api.call(
      "POST",
      `${AR}/validatingadmissionpolicies`,
      policy(name, {
        variables: [{ name: "big", expression: "has(object.data) && object.data.size() > 2" }],
        validations: [{ expression }],
      }),
    );
    assert.equal(r.status, status, `${name}: ${r.text}`);
    if (message) assert.match(r.text, message, name);
  }
});
