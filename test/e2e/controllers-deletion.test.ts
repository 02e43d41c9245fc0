/**
 * The controller manager as a real process against a real API server, driven
 * by kubectl: orphaning deletion, namespace deletion, and a claim kept while
 * a pod uses it. No kubelet runs here.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { kubectlJson, useClusterWithManager } from "./controller-manager.ts";

const env = useClusterWithManager();

test("--cascade=orphan keeps the pods and removes their owner references", async () => {
  await env.cluster.kubectlOk(["create", "deployment", "orph", "--image=busybox", "--replicas=2"]);
  await env.eventually(
    "2 orph pods",
    async () =>
      (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=orph"])).items.length === 2,
  );
  await env.cluster.kubectlOk(["delete", "deployment", "orph", "--cascade=orphan"]);
  const rsName = (await kubectlJson(env.cluster, ["get", "rs", "-l", "app=orph"])).items[0].metadata
    .name;
  await env.cluster.kubectlOk(["delete", "rs", rsName, "--cascade=orphan"]);
  const pods = await env.eventually("orphaned pods", async () => {
    const items = (await kubectlJson(env.cluster, ["get", "pods", "-l", "app=orph"])).items;
    return (
      items.length === 2 && items.every((p: any) => !p.metadata.ownerReferences?.length) && items
    );
  });
  assert.equal(pods.length, 2);
});

test("deleting a namespace deletes what is in it", async () => {
  await env.cluster.kubectlOk(["create", "namespace", "doomed"]);
  await env.cluster.kubectlOk(["create", "configmap", "c1", "-n", "doomed"]);
  await env.cluster.kubectlOk(["create", "deployment", "d1", "-n", "doomed", "--image=busybox"]);
  await env.eventually(
    "default service account",
    async () => (await env.cluster.kubectl(["get", "sa", "default", "-n", "doomed"])).code === 0,
  );
  const res = await env.cluster.kubectl(["delete", "namespace", "doomed", "--timeout=60s"]);
  assert.equal(res.code, 0, res.stderr);
  const get = await env.cluster.kubectl(["get", "namespace", "doomed"]);
  assert.match(get.stderr, /NotFound/);
});

test("a claim in use stays Terminating until its pod is gone (StorageObjectInUseProtection + pvc-protection)", async () => {
  await env.cluster.kubectlOk(["apply", "-f", "-"], {
    input: `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: held}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: free}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: claimer}\nspec:\n  nodeName: node-x\n  containers: [{name: c, image: busybox}]\n  volumes: [{name: d, persistentVolumeClaim: {claimName: held}}]\n`,
  });
  const held = await kubectlJson(env.cluster, ["get", "pvc", "held"]);
  // The admission plugin (default-on, as upstream) added the finalizer at create.
  assert.deepEqual(held.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
  // An unused claim is deleted right away (kubectl waits for it).
  await env.cluster.kubectlOk(["delete", "pvc", "free", "--timeout=60s"]);
  await env.cluster.kubectlOk(["delete", "pvc", "held", "--wait=false"]);
  const terminating = await env.eventually("claim Terminating", async () => {
    const out = await env.cluster.kubectlOk(["get", "pvc", "held", "--no-headers"]);
    return /\bTerminating\b/.test(out) && out;
  });
  assert.match(terminating, /^held\s+Terminating/);
  assert.deepEqual((await kubectlJson(env.cluster, ["get", "pvc", "held"])).metadata.finalizers, [
    "kubernetes.io/pvc-protection",
  ]);
  await env.cluster.kubectlOk(["delete", "pod", "claimer", "--grace-period=0", "--force"]);
  await env.eventually("claim gone once its pod is", async () => {
    const out = await env.cluster.kubectl(["get", "pvc", "held"]);
    return out.code !== 0 && /NotFound/.test(out.stderr);
  });
});
