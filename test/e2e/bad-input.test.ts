/**
 * Property-based test: malformed bodies, wrong kinds and types, huge and deep
 * documents, invalid names, bad selectors and bad query parameters are thrown
 * at every kind of route. Every answer must be a 4xx metav1.Status, the server
 * must stay up, and storage must be unchanged.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  // No controllers or scheduler: nothing but this test may write, so "storage unchanged" is checkable.
  cluster = await startCluster({ args: ["--disable-controller-manager", "--disable-scheduler"] });
  // The DNS add-on writes kube-dns (Service, Endpoints, then EndpointSlice) after /readyz.
  await eventually("the kube-dns EndpointSlice", async () => {
    const res = await cluster.request(
      "GET",
      "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns",
    );
    return res.status === 200 ? true : undefined;
  });
});
after(async () => {
  await cluster?.stop();
});

const collections = [
  { path: "/api/v1/namespaces/default/configmaps", apiVersion: "v1", kind: "ConfigMap" },
  { path: "/api/v1/namespaces/default/pods", apiVersion: "v1", kind: "Pod" },
  { path: "/api/v1/namespaces/default/services", apiVersion: "v1", kind: "Service" },
  {
    path: "/apis/apps/v1/namespaces/default/deployments",
    apiVersion: "apps/v1",
    kind: "Deployment",
  },
  { path: "/apis/batch/v1/namespaces/default/jobs", apiVersion: "batch/v1", kind: "Job" },
  { path: "/api/v1/namespaces", apiVersion: "v1", kind: "Namespace" },
  { path: "/api/v1/nodes", apiVersion: "v1", kind: "Node" },
];

const invalidName = fc.oneof(
  fc.constantFrom(
    "UPPER",
    "under_score",
    "-lead",
    "trail-",
    "a..b",
    "x".repeat(300),
    "sp ace",
    "é",
  ),
  fc.stringMatching(/^[A-Z_!@#$%^&*() ]{1,20}$/),
);

const notAnObject = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.boolean(),
);

/** Bodies that are wrong by construction for a POST to the collection. */
function badBody(c: (typeof collections)[number]) {
  const valid = { apiVersion: c.apiVersion, kind: c.kind };
  return fc.oneof(
    fc
      .string({ minLength: 1, maxLength: 60 })
      .map((s) => `{"apiVersion": "${c.apiVersion}", "kind": ${JSON.stringify(s)}, "metadata": {`),
    notAnObject.map((v) => JSON.stringify(v)),
    fc
      .constantFrom("Secret", "Pod", "Frobnicator", "configmap")
      .filter((k) => k !== c.kind)
      .map((kind) => JSON.stringify({ ...valid, kind, metadata: { name: "ok" } })),
    invalidName.map((name) => JSON.stringify({ ...valid, metadata: { name } })),
    fc
      .constantFrom(
        { metadata: "string-not-object" },
        { metadata: { name: "ok", labels: { "bad key!": "v" } } },
        { metadata: { name: "ok", labels: { k: 5 } } },
        { metadata: { name: "ok", annotations: ["a"] } },
        { metadata: { name: "ok", generateName: 7 } },
        { metadata: { name: "ok", ownerReferences: "not-a-list" } },
      )
      .map((extra) => JSON.stringify({ ...valid, ...extra })),
    fc.integer({ min: 2000, max: 20000 }).map((depth) => {
      // Deeply nested arrays where a label value (a string) belongs.
      return `{"apiVersion":"${c.apiVersion}","kind":"${c.kind}","metadata":{"name":"deep","labels":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}}`;
    }),
    fc.constant("\u0000\u0001\u0002garbage"),
    fc.constant("apiVersion: v1\nkind: [unclosed\n"),
  );
}

const badQuery = fc.constantFrom(
  "labelSelector=a%20in%20(",
  "labelSelector=!!",
  "labelSelector=key%3D%3D%3Dvalue",
  "fieldSelector=novalue",
  "fieldSelector=spec.bogus%3Dx",
  "limit=abc",
  "timeoutSeconds=abc",
  "resourceVersion=notanumber&resourceVersionMatch=Exact",
  "watch=true&resourceVersion=notanumber",
  "continue=%%%invalid",
);

const badWriteQuery = fc.constantFrom("dryRun=Bogus", "fieldValidation=Sometimes");

/**
 * Every object of the tested collections with its resourceVersion. Not the
 * store's global revision: the server's own identity Lease is renewed every
 * 10 s, which moves that revision without any request of this test.
 */
async function revision(): Promise<string[]> {
  const state: string[] = [];
  for (const c of collections) {
    const res = await cluster.request("GET", c.path);
    assert.equal(res.status, 200);
    const list = JSON.parse(res.body) as {
      items: { metadata: { namespace?: string; name: string; resourceVersion: string } }[];
    };
    for (const i of list.items)
      state.push(
        `${c.path} ${i.metadata.namespace ?? ""}/${i.metadata.name}@${i.metadata.resourceVersion}`,
      );
  }
  return state;
}

function assertClientError(res: { status: number; body: string }, what: string): void {
  assert.ok(
    res.status >= 400 && res.status < 500,
    `${what} → ${res.status}: ${res.body.slice(0, 300)}`,
  );
  const body = JSON.parse(res.body);
  assert.equal(body.kind, "Status", what);
  assert.equal(body.status, "Failure", what);
  assert.equal(body.code, res.status, what);
  assert.equal(typeof body.message, "string", what);
}

test("bad bodies on create are 4xx Status answers and write nothing", async () => {
  const rv = await revision();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...collections).chain((c) => fc.tuple(fc.constant(c), badBody(c))),
      fc.constantFrom("application/json", "application/yaml"),
      async ([c, body], contentType) => {
        const res = await cluster.request("POST", c.path, body, { "Content-Type": contentType });
        assertClientError(res, `POST ${c.path} ${body.slice(0, 80)}`);
      },
    ),
    { numRuns: 150 },
  );
  assert.deepEqual(await revision(), rv, "storage changed");
});

test("bad patches and updates are 4xx and write nothing", async () => {
  await cluster.kubectlOk(["create", "configmap", "target"]);
  const rv = await revision();
  const path = "/api/v1/namespaces/default/configmaps/target";
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(
        ["PATCH", "application/json-patch+json", '[{"op":"frobnicate","path":"/data"}]'],
        [
          "PATCH",
          "application/json-patch+json",
          '[{"op":"test","path":"/metadata/name","value":"other"}]',
        ],
        ["PATCH", "application/json-patch+json", '{"not":"a list"}'],
        ["PATCH", "application/merge-patch+json", '{"metadata":{"name":"renamed"}}'],
        ["PATCH", "application/merge-patch+json", "[1,2"],
        ["PATCH", "application/strategic-merge-patch+json", '{"data":"not-a-map"}'],
        ["PATCH", "application/apply-patch+yaml", "kind: ConfigMap\n"],
        ["PATCH", "text/plain", "{}"],
        [
          "PUT",
          "application/json",
          '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}',
        ],
        [
          "PUT",
          "application/json",
          '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"target","resourceVersion":"1"}}',
        ],
        ["PUT", "application/json", "null"],
      ),
      async ([method, contentType, body]) => {
        const res = await cluster.request(method, path, body, { "Content-Type": contentType });
        assertClientError(res, `${method} ${contentType} ${body}`);
      },
    ),
    { numRuns: 40 },
  );
  assert.deepEqual(await revision(), rv, "storage changed");
});

test("bad query parameters are 4xx", async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...collections), badQuery, async (c, query) => {
      const res = await cluster.request("GET", `${c.path}?${query}`);
      assertClientError(res, `GET ${c.path}?${query}`);
    }),
    { numRuns: 60 },
  );
  const rv = await revision();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...collections), badWriteQuery, async (c, query) => {
      const body = JSON.stringify({
        apiVersion: c.apiVersion,
        kind: c.kind,
        metadata: { name: "q" },
      });
      const res = await cluster.request("POST", `${c.path}?${query}`, body, {
        "Content-Type": "application/json",
      });
      assertClientError(res, `POST ${c.path}?${query}`);
    }),
    { numRuns: 20 },
  );
  assert.deepEqual(await revision(), rv, "storage changed");
});

test("the server is still healthy afterwards", async () => {
  const res = await cluster.request("GET", "/healthz");
  assert.equal(res.status, 200);
  assert.doesNotMatch(cluster.logs(), /\b500\b.*InternalError|Unhandled|uncaught/i);
});
