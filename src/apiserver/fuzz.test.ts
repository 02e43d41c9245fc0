/**
 * Property: whatever is thrown at any route — malformed JSON/YAML, wrong
 * kinds and types, deep or odd bodies, invalid names, bad selectors and query
 * parameters — the answer is never a 5xx (but upstream's 504 for a future
 * resourceVersion), failures are metav1.Status objects
 * with a matching code, and a failed request leaves storage unchanged.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { startTestServer, type TestServer } from "./testing/test-server.ts";

let t: TestServer;
before(async () => {
  t = await startTestServer();
  await t.call("POST", "/api/v1/namespaces/default/configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "existing" },
  });
});
after(async () => {
  await t.close();
});

const segment = fc.oneof(
  fc.constantFrom(
    "default",
    "kube-system",
    "existing",
    "x",
    "",
    "..",
    "%2F",
    "a%00b",
    "UPPER",
    "namespaces",
    "status",
    "scale",
    "watch",
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("configmaps", "pods", "services", "secrets", "nodes", "bogus", "namespaces"),
      segment,
      fc.constantFrom("", "/status", "/scale", "/binding", "/eviction", "/log", "/x/y"),
    )
    .map(([r, name, sub]) => `/api/v1/namespaces/default/${r}/${name}${sub}`),
  fc
    .tuple(
      fc.constantFrom(
        "apps/v1/namespaces/default/deployments",
        "batch/v1/jobs",
        "policy/v1/namespaces/x/poddisruptionbudgets",
        "nope/v9/things",
      ),
      segment,
    )
    .map(([p, name]) => `/apis/${p}/${name}`),
  fc.constantFrom(
    "/api/v1/namespaces/default/configmaps",
    "/api/v1/nodes",
    "/api/v1/namespaces",
    "/apis",
    "/api",
    "/version",
    "/openapi/v3/nope",
    "/",
  ),
  fc.array(segment, { maxLength: 6 }).map((s) => "/" + s.join("/")),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "labelSelector",
        "fieldSelector",
        "limit",
        "continue",
        "resourceVersion",
        "resourceVersionMatch",
        "dryRun",
        "fieldManager",
        "fieldValidation",
        "force",
        "timeoutSeconds",
        "gracePeriodSeconds",
        "propagationPolicy",
        "includeObject",
        "watch",
      ),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom(
          "a=b",
          "a in (",
          "!!",
          "-1",
          "0",
          "99999999999999999999",
          "Strict",
          "All",
          "true",
          "metadata.name=x",
          "spec.bogus=1",
        ),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? "?" + new URLSearchParams(pairs).toString() : ""));
const jsonValue = fc.jsonValue({ maxDepth: 4 });
const body = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 200 }),
  jsonValue.map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        apiVersion: fc.oneof(fc.constantFrom("v1", "apps/v1", "bogus/v1"), jsonValue),
        kind: fc.oneof(
          fc.constantFrom("ConfigMap", "Pod", "Secret", "Deployment", "Status"),
          jsonValue,
        ),
        metadata: fc.oneof(
          jsonValue,
          fc.record(
            {
              name: fc.oneof(
                fc.constantFrom("UPPER", "a/b", "..", "x".repeat(300), "existing"),
                jsonValue,
              ),
              resourceVersion: fc.oneof(fc.constant("1"), jsonValue),
            },
            { requiredKeys: [] },
          ),
        ),
        data: jsonValue,
        spec: jsonValue,
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 1, max: 3000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
  fc.constant("a: [\n  - b\n c: d"),
);
const contentType = fc.constantFrom(
  "application/json",
  "application/yaml",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/json-patch+json",
  "application/apply-patch+yaml",
  "application/vnd.kubernetes.protobuf",
  "text/plain",
  "",
);
const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD");

test("no route answers 5xx to bad input, and failures do not write", async () => {
  await fc.assert(
    fc.asyncProperty(method, path, query, body, contentType, async (m, p, q, b, ct) => {
      if (q.includes("watch=") && m === "GET") return; // watches stream until timeout
      const before = await t.backend.currentRevision();
      const headers: Record<string, string> = ct ? { "Content-Type": ct } : {};
      const sendBody = m === "GET" || m === "HEAD" ? undefined : b;
      const r = await t.call(m, p + q, sendBody, headers);
      // The one 5xx upstream answers to client input: 504 for a resourceVersion from the future.
      const tooLargeRv =
        r.status === 504 && r.body?.details?.causes?.[0]?.reason === "ResourceVersionTooLarge";
      assert.ok(
        r.status < 500 || tooLargeRv,
        `${m} ${p}${q} (${ct}) → ${r.status}: ${r.text.slice(0, 300)}`,
      );
      if (r.status >= 400 && m !== "HEAD" && r.body?.kind === "Status") {
        assert.equal(r.body.code, r.status);
      }
      if (r.status >= 400) {
        assert.equal(await t.backend.currentRevision(), before, `${m} ${p}${q} failed but wrote`);
      }
    }),
    { numRuns: 400, seed: 8 },
  );
});
