import { before, test } from "node:test";
import assert from "node:assert/strict";
import { loadCel } from "../../../cel/lazy.ts";
import type { TypeSchema } from "../../../cel/index.ts";
import { builtinSchemas } from "../../../api/schema/builtin.ts";
import type { KObject, ResourceDef } from "../../../api/types.ts";
import type { Registry } from "../../../api/registry.ts";
import { customResourceDefs } from "../../../apiextensions/crd-defs.ts";
import { cronTabCRD } from "../../../apiextensions/testing.ts";
import { registrySchemaResolver, type SchemaResolver } from "./schema-resolver.ts";
import { typeCheckPolicy, typesToCheck, type KindsFor } from "./type-checker.ts";

before(() => loadCel());

type Rec = Record<string, unknown>;

const KINDS: Record<string, [string, string]> = {
  deployments: ["apps", "Deployment"],
  replicasets: ["apps", "ReplicaSet"],
  pods: ["", "Pod"],
  widgets: ["example.com", "Widget"],
};
const kindsFor: KindsFor = (group, version, resource) => {
  const k = KINDS[resource];
  return k && k[0] === group ? [{ group, version, kind: k[1] }] : [];
};

const rule = (apiGroups: string[], apiVersions: string[], resources: string[]): Rec => ({
  apiGroups,
  apiVersions,
  resources,
  operations: ["CREATE"],
});

function policy(spec: Rec, rules: Rec[] = [rule(["apps"], ["v1"], ["deployments"])]): KObject {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "p" },
    spec: { matchConstraints: { resourceRules: rules }, ...spec },
  };
}

test("typesToCheck resolves resource rules to sorted kinds, skipping wildcards and subresources", () => {
  const cases: [string, Rec[], string[]][] = [
    ["no rules", [], []],
    ["one kind", [rule(["apps"], ["v1"], ["deployments"])], ["apps/v1/Deployment"]],
    [
      "sorted by group, version, kind",
      [rule(["apps"], ["v1"], ["replicasets", "deployments"]), rule([""], ["v1"], ["pods"])],
      ["/v1/Pod", "apps/v1/Deployment", "apps/v1/ReplicaSet"],
    ],
    ["wildcard resource", [rule(["apps"], ["v1"], ["*"])], []],
    ["wildcard version", [rule(["apps"], ["*"], ["deployments"])], []],
    ["subresource", [rule(["apps"], ["v1"], ["deployments/scale"])], []],
    [
      "wildcards mixed with names",
      [rule(["apps"], ["v1"], ["deployments", "*/status"]), rule(["*"], ["v1"], ["pods"])],
      ["apps/v1/Deployment"],
    ],
    ["unknown resource", [rule(["apps"], ["v1"], ["nothings"])], []],
  ];
  for (const [name, rules, want] of cases) {
    const got = typesToCheck(policy({}, rules), kindsFor).map(
      (g) => `${g.group}/${g.version}/${g.kind}`,
    );
    assert.deepEqual(got, want, name);
  }
  const many = Array.from({ length: 12 }, (_, i) => `r${i}`);
  const all: KindsFor = (group, version, resource) => [{ group, version, kind: resource }];
  assert.equal(typesToCheck(policy({}, [rule(["g"], ["v1"], many)]), all).length, 10);
});

const fooString: TypeSchema = { type: "object", properties: { foo: { type: "string" } } };
const fooInt: TypeSchema = { type: "object", properties: { foo: { type: "integer" } } };
const fixed =
  (schema: TypeSchema | undefined): SchemaResolver =>
  () =>
    schema;

test("expressions are checked against the matched kind's schema as upstream reports", () => {
  const cases: {
    name: string;
    spec: Rec;
    schema?: TypeSchema;
    want: { fieldRef: string; match?: RegExp }[];
  }[] = [
    {
      name: "unresolved schema",
      spec: { validations: [{ expression: "object.foo == 'x'" }] },
      want: [],
    },
    {
      name: "passes",
      spec: { validations: [{ expression: "object.foo == 'x'" }] },
      schema: fooString,
      want: [],
    },
    {
      name: "undefined field",
      spec: { validations: [{ expression: "object.bar == 'x'" }] },
      schema: fooString,
      want: [{ fieldRef: "spec.validations[0].expression", match: /undefined field 'bar'/ }],
    },
    {
      name: "field type mismatch",
      spec: { validations: [{ expression: "object.foo == 'x'" }] },
      schema: fooInt,
      want: [{ fieldRef: "spec.validations[0].expression", match: /found no matching overload/ }],
    },
    {
      name: "only the failing expression of several",
      spec: { validations: [{ expression: "object.foo == 'x'" }, { expression: "object.x == 1" }] },
      schema: fooString,
      want: [{ fieldRef: "spec.validations[1].expression" }],
    },
    {
      name: "message expressions",
      spec: { validations: [{ expression: "true", messageExpression: "object.foo + 1" }] },
      schema: fooString,
      want: [{ fieldRef: "spec.validations[0].messageExpression" }],
    },
    {
      name: "params typed by paramKind",
      spec: {
        paramKind: { apiVersion: "v1", kind: "Config" },
        validations: [{ expression: "object.foo == params.bar" }],
      },
      schema: fooString,
      want: [{ fieldRef: "spec.validations[0].expression", match: /undefined field 'bar'/ }],
    },
    {
      name: "authorizer",
      spec: {
        validations: [
          { expression: "authorizer.group('').resource('pods').check('get').allowed()" },
        ],
      },
      schema: fooString,
      want: [],
    },
    {
      name: "authorizer misused",
      spec: { validations: [{ expression: "authorizer.allowed()" }] },
      schema: fooString,
      want: [
        {
          fieldRef: "spec.validations[0].expression",
          match:
            /found no matching overload for 'allowed' applied to 'kubernetes\.authorization\.Authorizer/,
        },
      ],
    },
    {
      name: "apiVersion, kind and metadata are always there",
      spec: {
        validations: [{ expression: "object.kind == 'Deployment' && object.metadata.name != ''" }],
      },
      schema: fooString,
      want: [],
    },
    {
      name: "variables typed by their expressions",
      spec: {
        variables: [{ name: "works", expression: "true" }],
        validations: [{ expression: "variables.works" }],
      },
      schema: fooInt,
      want: [],
    },
    {
      name: "missing variable",
      spec: {
        variables: [{ name: "works", expression: "true" }],
        validations: [{ expression: "variables.nope" }],
      },
      schema: fooInt,
      want: [{ fieldRef: "spec.validations[0].expression", match: /undefined field 'nope'/ }],
    },
    {
      name: "variable of the wrong type",
      spec: {
        variables: [{ name: "name", expression: "'text'" }],
        validations: [{ expression: "variables.name == object.foo" }],
      },
      schema: fooInt,
      want: [
        {
          fieldRef: "spec.validations[0].expression",
          match: /no matching overload for '_==_' applied to '\(string, int\)'/,
        },
      ],
    },
    {
      name: "a variable that does not compile is dyn (not reported here)",
      spec: {
        variables: [{ name: "name", expression: "object.foo == 'str'" }],
        validations: [{ expression: "variables.name == object.foo" }],
      },
      schema: fooInt,
      want: [],
    },
  ];
  for (const c of cases) {
    const got = typeCheckPolicy(policy(c.spec), kindsFor, fixed(c.schema));
    assert.deepEqual(
      got.map((w) => w.fieldRef),
      c.want.map((w) => w.fieldRef),
      c.name,
    );
    c.want.forEach((w, i) => {
      if (w.match) assert.match(got[i]!.warning, w.match, c.name);
    });
  }
});

test("a warning lists every failing kind in upstream's format", () => {
  const p = policy({ validations: [{ expression: "object.replicas > 1" }] }, [
    rule(["apps"], ["v1"], ["deployments", "replicasets"]),
  ]);
  const got = typeCheckPolicy(p, kindsFor, fixed(fooString));
  const one = (kind: string) =>
    `apps/v1, Kind=${kind}: ERROR: <input>:1:7: undefined field 'replicas'\n` +
    ` | object.replicas > 1\n | ......^\n`;
  assert.deepEqual(got, [
    {
      fieldRef: "spec.validations[0].expression",
      warning: `${one("Deployment")}\n${one("ReplicaSet")}`,
    },
  ]);
});

/** A registry serving Deployments and Pods (built-in) and a custom resource. */
function registry(custom: Map<string, ResourceDef>): Registry {
  return {
    byKind: (group: string, version: string, kind: string) =>
      custom.get(kind) ?? ({ group, version, kind, resource: "", namespaced: true } as ResourceDef),
  } as unknown as Registry;
}

test("built-in kinds are typed by the server's OpenAPI schemas", () => {
  const resolve = registrySchemaResolver(registry(new Map()), builtinSchemas());
  const check = (expression: string, resources = ["deployments"], group = "apps") =>
    typeCheckPolicy(
      policy({ validations: [{ expression }] }, [rule([group], ["v1"], resources)]),
      kindsFor,
      resolve,
    ).map((w) => w.warning);
  assert.deepEqual(check("object.spec.replicas <= 5"), []);
  assert.deepEqual(
    check(
      "object.spec.template.spec.containers.all(c, c.image != '' && has(c.resources)) && " +
        "object.metadata.labels['app'] == 'x' && object.metadata.creationTimestamp < now()".replace(
          "now()",
          "timestamp('2020-01-01T00:00:00Z')",
        ),
    ),
    [],
  );
  const [w] = check("object.spec.replicas == 'three'");
  assert.match(
    w!,
    /^apps\/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_==_' applied to '\(int, string\)'/,
  );
  const [p] = check("object.spec.replicas > 1", ["pods"], "");
  assert.match(p!, /^\/v1, Kind=Pod: ERROR: <input>:1:12: undefined field 'replicas'/);
  // intOrString is dyn; schemas without a type are not exposed (upstream's
  // SchemaDeclType): a Quantity has none (oneOf string/number), so a map of
  // them is not a field.
  assert.deepEqual(check("object.spec.strategy.rollingUpdate.maxSurge == 1"), []);
  const cases: [string, string, string | undefined][] = [
    [
      "deployments",
      "object.spec.template.spec.containers[0].resources.limits.size() > 0",
      "limits",
    ],
    ["deployments", "object.spec.template.spec.overhead.size() > 0", "overhead"],
    [
      "deployments",
      "object.spec.template.spec.containers[0].resources.claims.size() > 0",
      undefined,
    ],
  ];
  for (const [resource, expression, undefinedField] of cases) {
    const got = check(expression, [resource]);
    if (undefinedField === undefined) assert.deepEqual(got, [], expression);
    else {
      assert.equal(got.length, 1, expression);
      assert.match(
        got[0]!,
        new RegExp(`ERROR: <input>:1:\\d+: undefined field '${undefinedField}'`),
      );
    }
  }
});

test("custom resources are typed by their CRD version's schema, with ObjectMeta", () => {
  const defs = customResourceDefs(cronTabCRD());
  const crontab = defs.find((d) => d.kind === "CronTab")!;
  const resolve = registrySchemaResolver(
    registry(new Map([["CronTab", crontab]])),
    builtinSchemas(),
  );
  const crKinds: KindsFor = (group, version, resource) =>
    resource === "crontabs" ? [{ group, version, kind: "CronTab" }] : [];
  const check = (expression: string) =>
    typeCheckPolicy(
      policy({ validations: [{ expression }] }, [
        rule(["stable.example.com"], ["v1"], ["crontabs"]),
      ]),
      crKinds,
      resolve,
    ).map((w) => w.warning);
  assert.deepEqual(check("object.spec.replicas <= object.spec.maxReplicas"), []);
  assert.deepEqual(check("object.metadata.labels['a'] == 'b'"), []);
  const [w] = check("object.spec.replica > 1");
  assert.match(
    w!,
    /^stable\.example\.com\/v1, Kind=CronTab: ERROR: <input>:1:12: undefined field 'replica'/,
  );
});
