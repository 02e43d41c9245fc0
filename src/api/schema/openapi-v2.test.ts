import { test } from "node:test";
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { openapiV2Document, toV2Schema } from "./openapi-v2.ts";
import { openapiV2Protobuf } from "./openapi-v2-proto.ts";
import { builtinSchemas } from "./builtin.ts";
import { appsResources } from "../resources/apps.ts";
import { coreResources } from "../resources/core.ts";

type Obj = Record<string, any>;
const doc = openapiV2Document([...coreResources(), ...appsResources()], builtinSchemas()) as Obj;

test("toV2Schema rewrites refs, unwraps allOf and drops oneOf", () => {
  const cases: [unknown, unknown][] = [
    [{ $ref: "#/components/schemas/a.B" }, { $ref: "#/definitions/a.B" }],
    [
      { allOf: [{ $ref: "#/components/schemas/a.B" }], description: "d" },
      { $ref: "#/definitions/a.B", description: "d" },
    ],
    [
      { description: "q", oneOf: [{ type: "string" }, { type: "number" }] },
      { description: "q", type: "string" },
    ],
    [
      { type: "array", items: { $ref: "#/components/schemas/a.B" } },
      { type: "array", items: { $ref: "#/definitions/a.B" } },
    ],
    [
      { type: "object", properties: { x: { allOf: [{ $ref: "#/components/schemas/a.C" }] } } },
      { type: "object", properties: { x: { $ref: "#/definitions/a.C" } } },
    ],
  ];
  for (const [input, want] of cases) assert.deepEqual(toV2Schema(input), want);
});

test("the v2 document spans group-versions with definitions and body parameters", () => {
  assert.equal(doc.swagger, "2.0");
  assert.ok(doc.paths["/api/v1/namespaces/{namespace}/pods/{name}"]);
  assert.ok(doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]);
  const text = JSON.stringify(doc);
  assert.doesNotMatch(text, /#\/components\//);
  assert.doesNotMatch(text, /"(allOf|oneOf|requestBody)"/);
  for (const ref of text.match(/"#\/definitions\/[^"]+"/g) ?? []) {
    assert.ok(doc.definitions[JSON.parse(ref).slice(14)], `dangling ${ref}`);
  }
  const dep = doc.definitions["io.k8s.api.apps.v1.Deployment"];
  assert.deepEqual(dep["x-kubernetes-group-version-kind"], [
    { group: "apps", kind: "Deployment", version: "v1" },
  ]);
  assert.equal(dep.properties.spec.$ref, "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
  assert.equal(doc.definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"].type, "string");
  const patch = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].patch;
  assert.deepEqual(patch.parameters[0], {
    name: "body",
    in: "body",
    required: true,
    schema: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" },
  });
  assert.ok(
    patch.parameters.some(
      (p: Obj) => p.name === "fieldValidation" && p.in === "query" && p.type === "string",
    ),
  );
  assert.ok(patch.consumes.includes("application/strategic-merge-patch+json"));
  assert.deepEqual(patch.responses["200"].schema, {
    $ref: "#/definitions/io.k8s.api.apps.v1.Deployment",
  });
});

test("the protobuf v2 document decodes to the same definitions", () => {
  const root = protobuf.parse(`
    syntax = "proto3";
    message Any { string yaml = 2; }
    message NamedAny { string name = 1; Any value = 2; }
    message TypeItem { repeated string value = 1; }
    message ItemsItem { repeated Schema schema = 1; }
    message AdditionalPropertiesItem { Schema schema = 1; bool boolean = 2; }
    message NamedSchema { string name = 1; Schema value = 2; }
    message Properties { repeated NamedSchema additional_properties = 1; }
    message Schema {
      string _ref = 1; string format = 2; string description = 4; repeated string required = 19;
      repeated Any enum = 20; AdditionalPropertiesItem additional_properties = 21; TypeItem type = 22;
      ItemsItem items = 23; Properties properties = 25; repeated NamedAny vendor_extension = 31;
    }
    message Info { string title = 1; string version = 2; }
    message Definitions { repeated NamedSchema additional_properties = 1; }
    message Document { string swagger = 1; Info info = 2; Definitions definitions = 9; }
  `).root;
  const decoded = root.lookupType("Document").decode(openapiV2Protobuf(doc)).toJSON() as Obj;
  assert.equal(decoded.swagger, "2.0");
  assert.equal(decoded.info.title, "Kubernetes");
  const defs = new Map<string, Obj>(
    decoded.definitions.additionalProperties.map((n: Obj) => [n.name, n.value]),
  );
  assert.equal(defs.size, Object.keys(doc.definitions).length);
  const dep = defs.get("io.k8s.api.apps.v1.Deployment")!;
  assert.deepEqual(dep.type.value, ["object"]);
  const gvk = dep.vendorExtension.find((e: Obj) => e.name === "x-kubernetes-group-version-kind");
  assert.deepEqual(JSON.parse(gvk.value.yaml), [
    { group: "apps", kind: "Deployment", version: "v1" },
  ]);
  const spec = defs.get("io.k8s.api.apps.v1.DeploymentSpec")!;
  assert.deepEqual(spec.required, ["selector", "template"]);
  const props = new Map<string, Obj>(
    spec.properties.additionalProperties.map((n: Obj) => [n.name, n.value]),
  );
  assert.equal(props.get("template")!._ref, "#/definitions/io.k8s.api.core.v1.PodTemplateSpec");
  const labels = defs
    .get("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")!
    .properties.additionalProperties.find((n: Obj) => n.name === "labels").value;
  assert.deepEqual(labels.additionalProperties.schema.type.value, ["string"]);
});
