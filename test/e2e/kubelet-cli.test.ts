/**
 * `k8ts kubelet` as its own process against `k8ts server --disable-agent`:
 * environment and volumes from config maps, secrets and the downward API,
 * CreateContainerConfigError for a missing secret, and a static pod from
 * --pod-manifest-path mirrored into the API. SIGTERM stops the kubelet and
 * everything it started.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { type TestCluster, eventually, startCluster } from "./harness.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { nodesRef, podsRef } from "../../src/client/resources.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const suffix = Math.random().toString(36).slice(2, 7);
const nodeName = `kubelet-cli-${suffix}`;
const cgroupRoot = `/k8ts-e2e-cli-${suffix}`;

let cluster: TestCluster;
let client: RestClient;
let dataDir: string;
let kubelet: ChildProcess;
let kubeletExit: Promise<number | null>;
let output = "";

before(async () => {
  cluster = await startCluster();
  client = new RestClient(loadKubeconfig(cluster.kubeconfig));
  dataDir = mkdtempSync(join(tmpdir(), "k8ts-kubelet-cli-"));
  const manifests = join(dataDir, "manifests");
  mkdirSync(manifests);
  writeFileSync(
    join(manifests, "static-web.yaml"),
    [
      "apiVersion: v1",
      "kind: Pod",
      "metadata:",
      "  name: static-web",
      "  namespace: default",
      "spec:",
      "  containers:",
      "  - name: web",
      "    image: busybox",
      "    imagePullPolicy: IfNotPresent",
      '    command: ["sleep", "3600"]',
      "",
    ].join("\n"),
  );
  kubelet = spawn(
    process.execPath,
    [
      join(repoRoot, "bin", "k8ts"),
      "kubelet",
      "--kubeconfig",
      cluster.kubeconfig,
      "--node-name",
      nodeName,
      "--data-dir",
      join(dataDir, "kubelet"),
      "--pod-manifest-path",
      manifests,
      "--pod-cidr",
      "10.42.202.0/24",
      "--cgroup-root",
      cgroupRoot,
      "--image-pull",
      "disabled",
      "--port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  kubelet.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  kubelet.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  kubeletExit = new Promise((r) => kubelet.once("exit", (code) => r(code)));
  // Pods are bound by nodeName: until the kubelet has registered its Node, the pod GC
  // controller may force-delete them as orphans (ours does not yet keep upstream's 40 s
  // quarantine), which is how "envvol" once vanished right after apply on a loaded machine.
  await eventually(
    "node registered",
    async () => client.get(nodesRef, undefined, nodeName).catch(() => undefined),
    { timeoutMs: 120_000, context: () => output.slice(-4000) },
  );
});

after(async () => {
  if (kubelet && kubelet.exitCode === null) {
    kubelet.kill("SIGTERM");
    await kubeletExit;
  }
  client?.close();
  await cluster?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const until = <T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
): Promise<T> => eventually(what, fn, { timeoutMs, context: () => output.slice(-4000) });

const getPod = (name: string) => client.get<Pod>(podsRef, "default", name);

test("env and volumes come from config maps, secrets and the downward API", async () => {
  await cluster.kubectlOk([
    "create",
    "configmap",
    "app-config",
    "--from-literal=greeting=hello",
    "--from-literal=color=blue",
  ]);
  await cluster.kubectlOk([
    "create",
    "secret",
    "generic",
    "app-secret",
    "--from-literal=password=s3cret",
  ]);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "envvol", namespace: "default", labels: { tier: "test" } },
    spec: {
      nodeName,
      restartPolicy: "Never",
      containers: [
        {
          name: "main",
          image: "busybox",
          imagePullPolicy: "IfNotPresent",
          command: [
            "sh",
            "-c",
            "echo env:$GREETING:$PASSWORD:$MY_NAME:$CFG_color; echo cfg:$(cat /cfg/greeting); echo sec:$(cat /sec/password); echo labels:$(cat /info/labels); echo empty:$(touch /scratch/x && echo ok)",
          ],
          env: [
            {
              name: "GREETING",
              valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } },
            },
            {
              name: "PASSWORD",
              valueFrom: { secretKeyRef: { name: "app-secret", key: "password" } },
            },
            { name: "MY_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          ],
          envFrom: [{ configMapRef: { name: "app-config" }, prefix: "CFG_" }],
          volumeMounts: [
            { name: "cfg", mountPath: "/cfg" },
            { name: "sec", mountPath: "/sec", readOnly: true },
            { name: "info", mountPath: "/info" },
            { name: "scratch", mountPath: "/scratch" },
          ],
        },
      ],
      volumes: [
        { name: "cfg", configMap: { name: "app-config" } },
        { name: "sec", secret: { secretName: "app-secret" } },
        {
          name: "info",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
        { name: "scratch", emptyDir: {} },
      ],
    },
  };
  await cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(pod) });
  const done = await until("envvol Succeeded", async () => {
    const p = await getPod("envvol");
    return p.status?.phase === "Succeeded" ? p : undefined;
  });
  const logFile = join(
    dataDir,
    "kubelet",
    "logs",
    `default_envvol_${done.metadata!.uid}`,
    "main",
    "0.log",
  );
  const lines = readFileSync(logFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ").slice(3).join(" "));
  assert.deepEqual(lines, [
    "env:hello:s3cret:envvol:blue",
    "cfg:hello",
    "sec:s3cret",
    'labels:tier="test"',
    "empty:ok",
  ]);
});

test("a missing secret gives CreateContainerConfigError", async () => {
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "nosecret", namespace: "default" },
      spec: {
        nodeName,
        containers: [
          {
            name: "main",
            image: "busybox",
            imagePullPolicy: "IfNotPresent",
            command: ["sleep", "3600"],
            env: [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }],
          },
        ],
      },
    }),
  });
  const p = await until("CreateContainerConfigError", async () => {
    const p = await getPod("nosecret");
    return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError"
      ? p
      : undefined;
  });
  assert.equal(
    p.status!.containerStatuses![0].state!.waiting!.message,
    'secret "absent" not found',
  );
});

test("a static pod runs and appears as a mirror pod", async () => {
  const name = `static-web-${nodeName}`;
  const mirror = await until("mirror pod Running", async () => {
    const p = await getPod(name);
    return p.status?.phase === "Running" ? p : undefined;
  });
  assert.ok(mirror.metadata!.annotations!["kubernetes.io/config.mirror"]);
  assert.equal(mirror.metadata!.annotations!["kubernetes.io/config.source"], "file");
  assert.deepEqual(
    mirror.metadata!.ownerReferences!.map((o) => `${o.kind}/${o.name}`),
    [`Node/${nodeName}`],
  );
  assert.ok(mirror.status!.podIP!.startsWith("10.42.202."));
  const out = await cluster.kubectlOk(["get", "pod", name]);
  assert.match(out, /1\/1\s+Running/);
});

test("SIGTERM stops the kubelet and what it started", async () => {
  kubelet.kill("SIGTERM");
  const code = await kubeletExit;
  assert.equal(code, 0, output.slice(-2000));
  const mine = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(dataDir);
      } catch {
        return false;
      }
    });
  assert.deepEqual(mine, []);
  assert.deepEqual(
    readFileSync("/proc/mounts", "utf8")
      .split("\n")
      .filter((l) => l.includes(dataDir)),
    [],
  );
  assert.ok(!existsSync(`/sys/fs/cgroup/memory${cgroupRoot}`));
});
