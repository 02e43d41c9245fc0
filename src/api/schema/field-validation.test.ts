import { test } from "node:test";
import assert from "node:assert/strict";
import { checkBody, fieldValidationOutcome } from "./field-validation.ts";
import { builtinSchemas } from "./builtin.ts";
import * as yaml from "yaml";

const registry = builtinSchemas();
const DEPLOYMENT = "io.k8s.api.apps.v1.Deployment";

test("checkBody finds type errors, unknown and duplicate fields", async (t) => {
  const cases: { name: string; text: string; format?: "json" | "yaml"; want: object }[] = [
    { name: "clean", text: '{"kind":"Deployment","spec":{"replicas":1}}', want: { problems: [] } },
    {
      name: "unknown then duplicate",
      text: '{"spec":{"replicas":1,"unknownField":1,"replicas":2}}',
      want: { problems: ['unknown field "spec.unknownField"', 'duplicate field "spec.replicas"'] },
    },
    {
      name: "a type error wins over everything else",
      text: '{"spec":{"replicas":"x","bogus":1}}',
      want: {
        typeError:
          "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
        problems: [],
      },
    },
    {
      name: "YAML repeats come first, as one problem",
      text: "spec:\n  replicas: 1\n  replicas: 2\n  bogus: 1\n",
      format: "yaml",
      want: {
        problems: [
          'yaml: unmarshal errors:\n  line 3: key "replicas" already set in map',
          'unknown field "spec.bogus"',
        ],
      },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const obj =
        c.format === "yaml" ? yaml.parse(c.text, { uniqueKeys: false }) : JSON.parse(c.text);
      assert.deepEqual(
        checkBody(obj, { typeName: DEPLOYMENT, registry, text: c.text, format: c.format }),
        c.want,
      );
    });
  }
});

test("fieldValidationOutcome applies the directive", () => {
  const problems = ['unknown field "spec.foo"', 'duplicate field "spec.replicas"'];
  assert.deepEqual(fieldValidationOutcome("Strict", problems), {
    reject: 'strict decoding error: unknown field "spec.foo", duplicate field "spec.replicas"',
    warnings: [],
  });
  assert.deepEqual(fieldValidationOutcome("Warn", problems), { warnings: problems });
  assert.deepEqual(fieldValidationOutcome(undefined, problems), { warnings: problems });
  assert.deepEqual(fieldValidationOutcome("Ignore", problems), { warnings: [] });
  assert.deepEqual(fieldValidationOutcome("Strict", []), { warnings: [] });
});
