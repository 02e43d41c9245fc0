/**
 * Built-in admission plugins through a real `k8ts server` (control plane
 * with its controllers, no kubelet) and the real kubectl: LimitRange
 * defaults, ResourceQuota rejection with upstream's message and `kubectl
 * describe quota`, PodSecurity enforcement, the service-account token volume,
 * PriorityClass resolution and --enable-admission-plugins.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

let cluster: TestCluster;

before(async () => {
  cluster = await startCluster({ args: ["--enable-admission-plugins", "AlwaysPullImages"] });
  for (const ns of ["limits", "quota", "secure"])
    await cluster.kubectlOk(["create", "namespace", ns]);
});

after(async () => {
  await cluster?.stop();
});

const pod = (
  name: string,
  container: Record<string, unknown> = {},
  spec: Record<string, unknown> = {},
) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { ...spec, containers: [{ name: "c", image: "busybox:1.36", ...container }] },
  });

/** kubectl create of a pod, retried while the namespace's default service account is still being made. */
async function createPod(ns: string, manifest: string) {
  return eventually("pod create answered", async () => {
    const res = await cluster.kubectl(["create", "-n", ns, "-f", "-"], { input: manifest });
    return /serviceaccount "default" not found/.test(res.stderr) ? undefined : res;
  });
}

test("LimitRange defaults appear on a pod, with the limit-ranger annotation", async () => {
  await cluster.kubectlOk(["create", "-n", "limits", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: { name: "defaults" },
      spec: {
        limits: [
          {
            type: "Container",
            default: { cpu: "300m", memory: "128Mi" },
            defaultRequest: { cpu: "100m" },
          },
        ],
      },
    }),
  });
  const res = await createPod("limits", pod("web"));
  assert.equal(res.code, 0, res.stderr);
  const got = JSON.parse(
    await cluster.kubectlOk(["get", "pod", "web", "-n", "limits", "-o", "json"]),
  );
  assert.deepEqual(got.spec.containers[0].resources, {
    limits: { cpu: "300m", memory: "128Mi" },
    requests: { cpu: "100m", memory: "128Mi" },
  });
  assert.equal(
    got.metadata.annotations["kubernetes.io/limit-ranger"],
    "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c",
  );
  // ServiceAccount: the default account and its projected token in the container.
  assert.equal(got.spec.serviceAccountName, "default");
  const volume = got.spec.volumes.find((v: { name: string }) =>
    v.name.startsWith("kube-api-access-"),
  );
  assert.ok(volume, JSON.stringify(got.spec.volumes));
  assert.deepEqual(
    volume.projected.sources.map((s: Record<string, unknown>) => Object.keys(s)[0]),
    ["serviceAccountToken", "configMap", "downwardAPI"],
  );
  assert.deepEqual(got.spec.containers[0].volumeMounts, [
    {
      name: volume.name,
      readOnly: true,
      mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
    },
  ]);
  // AlwaysPullImages was enabled by flag.
  assert.equal(got.spec.containers[0].imagePullPolicy, "Always");
  // DefaultTolerationSeconds.
  assert.deepEqual(
    got.spec.tolerations.map(
      (t: { key: string; tolerationSeconds: number }) => `${t.key}=${t.tolerationSeconds}`,
    ),
    ["node.kubernetes.io/not-ready=300", "node.kubernetes.io/unreachable=300"],
  );
});

test("a ResourceQuota rejects the pod over quota with upstream's message; describe shows usage", async () => {
  await cluster.kubectlOk([
    "create",
    "quota",
    "small",
    "-n",
    "quota",
    "--hard=pods=1,count/configmaps=5",
  ]);
  await eventually("quota status", async () => {
    const used = await cluster.kubectlOk([
      "get",
      "quota",
      "small",
      "-n",
      "quota",
      "-o",
      "jsonpath={.status.used.pods}",
    ]);
    return used === "0" ? true : undefined;
  });
  assert.equal((await createPod("quota", pod("one"))).code, 0);
  const res = await createPod("quota", pod("two"));
  assert.notEqual(res.code, 0);
  assert.match(
    res.stderr,
    /Error from server \(Forbidden\): error when creating "STDIN": pods "two" is forbidden: exceeded quota: small, requested: pods=1, used: pods=1, limited: pods=1/,
  );
  const described = await eventually("describe quota shows usage", async () => {
    const out = await cluster.kubectlOk(["describe", "quota", "small", "-n", "quota"]);
    return /count\/configmaps\s+1\s+5/.test(out) ? out : undefined; // kube-root-ca.crt
  });
  assert.match(described, /Resource\s+Used\s+Hard/);
  assert.match(described, /pods\s+1\s+1/);
  // Deleting the pod gives the quota back (the controller recalculates).
  await cluster.kubectlOk(["delete", "pod", "one", "-n", "quota", "--wait=false"]);
  await cluster
    .kubectlOk(["delete", "pod", "one", "-n", "quota", "--grace-period=0", "--force"])
    .catch(() => "");
  await eventually("usage released", async () => {
    const used = await cluster.kubectlOk([
      "get",
      "quota",
      "small",
      "-n",
      "quota",
      "-o",
      "jsonpath={.status.used.pods}",
    ]);
    return used === "0" ? true : undefined;
  });
  assert.equal((await createPod("quota", pod("three"))).code, 0);
});

test("PodSecurity restricted rejects a privileged pod", async () => {
  await cluster.kubectlOk([
    "label",
    "namespace",
    "secure",
    "pod-security.kubernetes.io/enforce=restricted",
  ]);
  const res = await createPod("secure", pod("priv", { securityContext: { privileged: true } }));
  assert.notEqual(res.code, 0);
  assert.match(
    res.stderr,
    /pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext.privileged=true\), allowPrivilegeEscalation != false/,
  );
  const ok = await createPod(
    "secure",
    pod("fine", {
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      },
    }),
  );
  assert.equal(ok.code, 0, ok.stderr);
});

test("PodSecurity warns about existing pods on a stricter label and about workloads in warn mode", async () => {
  await cluster.kubectlOk(["create", "namespace", "warned"]);
  const created = await createPod("warned", pod("priv", { securityContext: { privileged: true } }));
  assert.equal(created.code, 0, created.stderr);
  const labelled = await cluster.kubectl([
    "label",
    "namespace",
    "warned",
    "pod-security.kubernetes.io/enforce=baseline",
  ]);
  assert.equal(labelled.code, 0, labelled.stderr);
  assert.match(
    labelled.stderr,
    /Warning: existing pods in namespace "warned" violate the new PodSecurity enforce level "baseline:latest"\n.*Warning: priv: privileged/s,
  );
  await cluster.kubectlOk([
    "label",
    "namespace",
    "warned",
    "pod-security.kubernetes.io/warn=restricted",
  ]);
  const deploy = await cluster.kubectl([
    "create",
    "deployment",
    "web",
    "-n",
    "warned",
    "--image=busybox:1.36",
  ]);
  assert.equal(deploy.code, 0, deploy.stderr);
  assert.match(
    deploy.stderr,
    /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "busybox" must set securityContext.allowPrivilegeEscalation=false\)/,
  );
});

test("priority classes resolve; an unknown class is forbidden", async () => {
  await cluster.kubectlOk(["create", "priorityclass", "high", "--value=1000"]);
  assert.equal(
    (await createPod("default", pod("important", {}, { priorityClassName: "high" }))).code,
    0,
  );
  const prio = await cluster.kubectlOk([
    "get",
    "pod",
    "important",
    "-o",
    "jsonpath={.spec.priority}",
  ]);
  assert.equal(prio, "1000");
  const res = await createPod("default", pod("lost", {}, { priorityClassName: "nope" }));
  assert.match(res.stderr, /pods "lost" is forbidden: no PriorityClass with name nope was found/);
});
