/**
 * Go structs embedded with `json:",inline"`, nested two deep: JSON shows
 * admissionregistration's NamedRuleWithOperations flat, while the wire nests
 * RuleWithOperations (field 2) and, inside it, Rule (field 2). The bodies
 * below are assembled by hand in the layout of k8s.io/api generated.proto,
 * as a Go client marshals them, independently of our encoder.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinSchemas } from "./builtin.ts";
import { inline } from "./defs/spec-builders.ts";
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from "./protobuf.ts";
import { decodeMessage } from "./protobuf-decode.ts";
import { encodeMessage } from "./protobuf-encode.ts";
import { SchemaRegistry } from "./schema-registry.ts";
import type { SchemaPackage } from "./types.ts";

const registry = builtinSchemas();
const ADM = "io.k8s.api.admissionregistration.v1";

/** A length-delimited field (wire type 2): tag, varint length, payload. */
function ld(num: number, payload: number[] | string): number[] {
  const bytes = typeof payload === "string" ? [...Buffer.from(payload)] : payload;
  const len: number[] = [];
  let n = bytes.length;
  while (n >= 0x80) {
    len.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  len.push(n);
  return [(num << 3) | 2, ...len, ...bytes];
}

/** A varint field (wire type 0) holding a small non-negative value. */
function varint(num: number, value: number): number[] {
  assert.ok(value >= 0 && value < 128);
  return [num << 3, value];
}

/** The k8s\0 envelope (runtime.Unknown) around a raw message. */
function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  const typeMeta = [...ld(1, apiVersion), ...ld(2, kind)];
  const unknown = [...ld(1, typeMeta), ...ld(2, raw), ...ld(3, ""), ...ld(4, "")];
  return Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

/** Rule { apiGroups=1, apiVersions=2, resources=3, scope=4 }. */
function rule(groups: string[], versions: string[], resources: string[], scope?: string) {
  return [
    ...groups.flatMap((g) => ld(1, g)),
    ...versions.flatMap((v) => ld(2, v)),
    ...resources.flatMap((r) => ld(3, r)),
    ...(scope === undefined ? [] : ld(4, scope)),
  ];
}

/** RuleWithOperations { operations=1, rule=2 (embedded Rule) }. */
function ruleWithOperations(ops: string[], ruleBytes: number[]): number[] {
  return [...ops.flatMap((o) => ld(1, o)), ...ld(2, ruleBytes)];
}

/** NamedRuleWithOperations { resourceNames=1, ruleWithOperations=2 (embedded) }. */
function namedRule(names: string[], rwo: number[]): number[] {
  return [...names.flatMap((n) => ld(1, n)), ...ld(2, rwo)];
}

test("a ValidatingWebhookConfiguration as a Go client sends it decodes to flat rules", () => {
  const webhook = [
    ...ld(1, "pods.example.com"),
    ...ld(2, ld(3, "https://hook.example.com/validate")),
    ...ld(
      3,
      ruleWithOperations(
        ["CREATE", "UPDATE"],
        rule([""], ["v1"], ["pods", "pods/status"], "Namespaced"),
      ),
    ),
    ...ld(3, ruleWithOperations(["DELETE"], rule(["apps"], ["*"], ["deployments"]))),
    ...ld(4, "Fail"),
    ...ld(6, "None"),
    ...varint(7, 5),
    ...ld(8, "v1"),
    ...ld(9, "Equivalent"),
    ...ld(11, [...ld(1, "not-system"), ...ld(2, "request.namespace != 'kube-system'")]),
  ];
  const vwc = [...ld(1, ld(1, "pod-policy")), ...ld(2, webhook)];
  const body = envelope("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", vwc);
  const want = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "pod-policy" },
    webhooks: [
      {
        name: "pods.example.com",
        clientConfig: { url: "https://hook.example.com/validate" },
        rules: [
          {
            operations: ["CREATE", "UPDATE"],
            apiGroups: [""],
            apiVersions: ["v1"],
            resources: ["pods", "pods/status"],
            scope: "Namespaced",
          },
          {
            operations: ["DELETE"],
            apiGroups: ["apps"],
            apiVersions: ["*"],
            resources: ["deployments"],
          },
        ],
        failurePolicy: "Fail",
        sideEffects: "None",
        timeoutSeconds: 5,
        admissionReviewVersions: ["v1"],
        matchPolicy: "Equivalent",
        matchConditions: [{ name: "not-system", expression: "request.namespace != 'kube-system'" }],
      },
    ],
  };
  const got = decodeKubernetesProtobuf(body, registry);
  assert.deepEqual(got, want);
  assert.deepEqual(
    decodeKubernetesProtobuf(encodeKubernetesProtobuf(got, registry), registry),
    want,
  );
});

test("a ValidatingAdmissionPolicy as a Go client sends it decodes to flat named rules", () => {
  const match = [
    ...ld(
      3,
      namedRule(
        ["web", "api"],
        ruleWithOperations(["CREATE", "UPDATE"], rule(["apps"], ["v1"], ["deployments"])),
      ),
    ),
    ...ld(4, namedRule([], ruleWithOperations(["*"], rule(["*"], ["*"], ["*/scale"], "*")))),
    ...ld(7, "Equivalent"),
  ];
  const spec = [
    ...ld(2, match),
    ...ld(3, [...ld(1, "object.spec.replicas <= 5"), ...ld(2, "too many replicas")]),
    ...ld(4, "Fail"),
  ];
  const vap = [...ld(1, ld(1, "replica-limit")), ...ld(2, spec)];
  const body = envelope("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", vap);
  const want = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: "replica-limit" },
    spec: {
      matchConstraints: {
        resourceRules: [
          {
            resourceNames: ["web", "api"],
            operations: ["CREATE", "UPDATE"],
            apiGroups: ["apps"],
            apiVersions: ["v1"],
            resources: ["deployments"],
          },
        ],
        excludeResourceRules: [
          {
            operations: ["*"],
            apiGroups: ["*"],
            apiVersions: ["*"],
            resources: ["*/scale"],
            scope: "*",
          },
        ],
        matchPolicy: "Equivalent",
      },
      validations: [{ expression: "object.spec.replicas <= 5", message: "too many replicas" }],
      failurePolicy: "Fail",
    },
  };
  const got = decodeKubernetesProtobuf(body, registry);
  assert.deepEqual(got, want);
  assert.deepEqual(
    decodeKubernetesProtobuf(encodeKubernetesProtobuf(got, registry), registry),
    want,
  );
});

test("encoding nests inline structs byte for byte as Go marshals them", () => {
  const cases: { type: string; json: Record<string, unknown>; bytes: number[] }[] = [
    {
      type: `${ADM}.NamedRuleWithOperations`,
      json: {
        resourceNames: ["a"],
        operations: ["CREATE"],
        apiGroups: ["apps"],
        apiVersions: ["v1"],
        resources: ["deployments"],
        scope: "Namespaced",
      },
      bytes: namedRule(
        ["a"],
        ruleWithOperations(["CREATE"], rule(["apps"], ["v1"], ["deployments"], "Namespaced")),
      ),
    },
    {
      // Go writes embedded (non-pointer) structs even when empty.
      type: `${ADM}.NamedRuleWithOperations`,
      json: {},
      bytes: ld(2, ld(2, [])),
    },
    {
      type: `${ADM}.RuleWithOperations`,
      json: { operations: ["*"], resources: ["pods"] },
      bytes: ruleWithOperations(["*"], rule([], [], ["pods"])),
    },
  ];
  for (const { type, json, bytes } of cases) {
    assert.deepEqual([...encodeMessage(registry, type, json)], bytes, JSON.stringify(json));
    assert.deepEqual(decodeMessage(registry, type, Uint8Array.from(bytes)), json);
  }
});

test("the old flat layout of NamedRuleWithOperations is no longer read as rules", () => {
  // operations at 2.1 and apiGroups at 2.2 (a string, not a Rule message).
  const flat = namedRule([], [...ld(1, "CREATE"), ...ld(2, "apps")]);
  assert.throws(
    () => decodeMessage(registry, `${ADM}.NamedRuleWithOperations`, Uint8Array.from(flat)),
    /apps|field|wire/i,
  );
});

test("the registry check reports numbers colliding with nested inline structs", () => {
  const pkg = (fields: SchemaPackage["types"][string]["fields"]): SchemaPackage => ({
    name: "io.example.v1",
    types: { T: { fields } },
  });
  const cases: { name: string; pkg: SchemaPackage; problem?: RegExp }[] = [
    {
      name: "two-level inline is consistent",
      pkg: pkg({
        top: [1, "string"],
        ...inline(2, { mid: [1, "string"], ...inline(2, { low: [1, "string"] }) }),
      }),
    },
    {
      name: "a field at 2.2 collides with the struct embedded at 2.2",
      pkg: pkg({
        ...inline(2, { mid: [2, "string"], ...inline(2, { low: [1, "string"] }) }),
      }),
      problem: /T\.mid: protobuf number 2\.2 is taken by an inline struct/,
    },
    {
      name: "the same inner slot twice",
      pkg: pkg({
        ...inline(2, { ...inline(3, { a: [1, "string"], b: [1, "string"] }) }),
      }),
      problem: /T\.b: protobuf number 2\.3\.1 also used by a/,
    },
  ];
  for (const { name, pkg: p, problem } of cases) {
    const problems = new SchemaRegistry([p]).check();
    if (problem === undefined) assert.deepEqual(problems, [], name);
    else
      assert.ok(
        problems.some((m) => problem.test(m)),
        `${name}: ${problems.join("; ")}`,
      );
  }
  assert.deepEqual(registry.check(), [], "built-in tables are consistent");
});
