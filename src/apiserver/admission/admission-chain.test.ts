import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { defaultPipeline, type AdmissionAttributes } from "../pipeline.ts";
import { startTestServer, type TestServer } from "../testing/test-server.ts";

type Rec = Record<string, unknown>;
let api: TestServer;
/** What the validating plugin saw, per configmap name. */
const validated = new Map<string, Rec | undefined>();

/** Labels of the request's object. */
const labelsOf = (a: AdmissionAttributes) => (a.object?.metadata?.labels ?? {}) as Rec;

before(async () => {
  const pipeline = defaultPipeline();
  pipeline.admission.push({
    name: "TestChain",
    // Mutating: "fix" adds a key the validating plugin must see; "break"
    // adds a key schema validation refuses.
    admit(a) {
      if (a.def.resource !== "configmaps" || !a.object) return;
      const mode = labelsOf(a).mode;
      const data = ((a.object as Rec).data ?? {}) as Rec;
      if (mode === "fix") (a.object as Rec).data = { ...data, fixed: "yes" };
      if (mode === "break") (a.object as Rec).data = { ...data, "bad key!": "x" };
    },
    validate(a) {
      if (a.def.resource !== "configmaps" || !a.object) return;
      validated.set(a.object.metadata?.name ?? "", (a.object as Rec).data as Rec | undefined);
    },
  });
  api = await startTestServer({ pipeline });
});

after(async () => {
  await api.close();
});

const configMap = (name: string, mode: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, labels: { mode } },
  data: { a: "1" },
});

test("admission runs mutating plugins, then schema validation, then validating plugins", async () => {
  const CMS = "/api/v1/namespaces/default/configmaps";
  // [name, mode, query, status, what the validating plugin saw, stored]
  const cases: [string, string, string, number, Rec | undefined, boolean][] = [
    ["fixed", "fix", "", 201, { a: "1", fixed: "yes" }, true],
    ["broken", "break", "", 422, undefined, false],
    ["dry", "fix", "?dryRun=All", 201, { a: "1", fixed: "yes" }, false],
  ];
  for (const [name, mode, query, status, seen, stored] of cases) {
    const r = await api.call("POST", `${CMS}${query}`, configMap(name, mode));
    assert.equal(r.status, status, `${name}: ${r.text}`);
    if (status === 422) assert.match(String(r.body.message), /data\[bad key!\]/);
    assert.deepEqual(validated.get(name), seen, name);
    const got = await api.call("GET", `${CMS}/${name}`);
    assert.equal(got.status, stored ? 200 : 404, name);
    if (stored) assert.deepEqual(got.body.data, seen);
  }
});
