import { test } from "node:test";
import assert from "node:assert/strict";
import { parseRequestInfo } from "./request-info.ts";

const cases: {
  method: string;
  path: string;
  query?: string;
  want: Partial<ReturnType<typeof parseRequestInfo>>;
}[] = [
  {
    method: "GET",
    path: "/api/v1/namespaces",
    want: { verb: "list", resource: "namespaces", namespace: "" },
  },
  {
    method: "GET",
    path: "/api/v1/namespaces/kube-system",
    want: { verb: "get", resource: "namespaces", name: "kube-system", namespace: "kube-system" },
  },
  {
    method: "PUT",
    path: "/api/v1/namespaces/ns1/finalize",
    want: { verb: "update", resource: "namespaces", name: "ns1", subresource: "finalize" },
  },
  {
    method: "GET",
    path: "/api/v1/namespaces/default/pods",
    want: { verb: "list", resource: "pods", namespace: "default" },
  },
  {
    method: "GET",
    path: "/api/v1/namespaces/default/pods",
    query: "watch=true",
    want: { verb: "watch" },
  },
  {
    method: "GET",
    path: "/api/v1/watch/namespaces/default/pods",
    want: { verb: "watch", resource: "pods", namespace: "default" },
  },
  {
    method: "GET",
    path: "/api/v1/watch/namespaces/default/pods/web",
    want: { verb: "watch", name: "web" },
  },
  {
    method: "POST",
    path: "/api/v1/namespaces/default/pods/web/eviction",
    want: { verb: "create", subresource: "eviction", name: "web" },
  },
  {
    method: "DELETE",
    path: "/apis/apps/v1/namespaces/x/deployments",
    want: { verb: "deletecollection", apiGroup: "apps", apiVersion: "v1" },
  },
  {
    method: "PATCH",
    path: "/apis/apps/v1/namespaces/x/deployments/d/scale",
    want: { verb: "patch", subresource: "scale" },
  },
  {
    method: "GET",
    path: "/api/v1/nodes/n1/proxy/stats/summary",
    want: { resource: "nodes", name: "n1", subresource: "proxy", parts: ["stats", "summary"] },
  },
  { method: "GET", path: "/apis/apps/v1", want: { isResourceRequest: false } },
  { method: "GET", path: "/version", want: { isResourceRequest: false, verb: "get" } },
  { method: "GET", path: "/api/v1/pods", want: { verb: "list", resource: "pods", namespace: "" } },
];

test("parseRequestInfo", () => {
  for (const c of cases) {
    const info = parseRequestInfo(c.method, c.path, new URLSearchParams(c.query ?? ""));
    for (const [k, v] of Object.entries(c.want)) {
      assert.deepEqual(info[k as keyof typeof info], v, `${c.method} ${c.path}: ${k}`);
    }
  }
});
