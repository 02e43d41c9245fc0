/**
 * The controller manager as a real process against a real API server, driven
 * by kubectl: a service's Endpoints and EndpointSlice follow its ready pods,
 * and a disruption budget over them blocks an eviction. No kubelet runs here:
 * tests write pod status.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectlJson, setPods, useClusterWithManager } from "./controller-manager.ts";

const env = useClusterWithManager();

test("a service gets Endpoints and an EndpointSlice for its ready pods", async () => {
  await env.cluster.kubectlOk([
    "create",
    "deployment",
    "api",
    "--image=busybox",
    "--replicas=2",
    "--port=8080",
  ]);
  await env.cluster.kubectlOk(["expose", "deployment", "api", "--port=80", "--target-port=8080"]);
  await env.eventually(
    "2 api pods",
    async () =>
      (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=api"])).items.length === 2,
  );
  await setPods(env.cluster, "app=api");
  const ep = await env.eventually("endpoints", async () => {
    const e = await kubectlJson(env.cluster, ["get", "endpoints", "api"]);
    return e.subsets?.[0]?.addresses?.length === 2 && e;
  });
  assert.equal(ep.subsets[0].ports[0].port, 8080);
  const slices = (
    await kubectlJson(env.cluster, [
      "get",
      "endpointslices",
      "-l",
      "kubernetes.io/service-name=api",
    ])
  ).items;
  assert.equal(slices.length, 1);
  assert.equal(slices[0].endpoints.length, 2);
  assert.ok(slices[0].endpoints.every((e: any) => e.conditions.ready === true));
});

test("a disruption budget blocks an eviction that would break it", async () => {
  await env.cluster.kubectlOk([
    "create",
    "pdb",
    "api-pdb",
    "--selector=app=api",
    "--min-available=2",
  ]);
  const pdb = await env.eventually("pdb status", async () => {
    const p = await kubectlJson(env.cluster, ["get", "pdb", "api-pdb"]);
    return p.status?.expectedPods === 2 && p;
  });
  assert.equal(pdb.status.disruptionsAllowed, 0);
  const pod = (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=api"])).items[0].metadata
    .name;
  const res = await env.cluster.request(
    "POST",
    `/api/v1/namespaces/default/pods/${pod}/eviction`,
    JSON.stringify({
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: pod, namespace: "default" },
    }),
    { "Content-Type": "application/json" },
  );
  assert.equal(res.status, 429, res.body);
  assert.match(JSON.parse(res.body).message, /disruption budget/);
});
