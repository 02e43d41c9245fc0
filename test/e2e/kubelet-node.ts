/**
 * One way for e2e tests to run a node: a real `k8ts server --disable-agent`
 * and the kubelet in this process with its own containerd (own
 * root/state/socket), its own CNI bridge, cgroup root and pod CIDR, pulls
 * disabled, its HTTPS server on a free port. With `clientCerts`, the
 * kubelet's serving certificate comes from the cluster CA, which also
 * authenticates callers (as `k8ts server` wires it). With
 * `externalRuntime`, the containerd (and the node's CNI set-up) is started
 * here and the kubelet only connects to it, so the kubelet can be stopped
 * and started again while its pods keep running. stop() removes
 * everything it started.
 *
 * Also the pieces the kubelet e2e files share: a busybox pod manifest, a
 * pod's containers as the runtime lists them, an injected nodefs shortage,
 * and waiting for a node event.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually, startCluster, type StartOptions, type TestCluster } from "./harness.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { podsRef } from "../../src/client/resources.ts";
import { startCriNode, type CriNode } from "../../src/kubelet/cri-node.ts";
import { startKubelet, type Kubelet, type KubeletOptions } from "../../src/kubelet/kubelet.ts";
import { labelPodUID } from "../../src/kubelet/pod/runtime-config.ts";
import type { ContainerRuntime } from "../../src/kubelet/runtime/runtime.ts";
import { createLogger } from "../../src/util/logger.ts";

export interface KubeletNodeOptions {
  /** Short name used for the node, bridge and cgroup root (with a random suffix). */
  prefix: string;
  /** This file's own pod CIDR (unique among the e2e files). */
  podCIDR: string;
  /** Serving cert from the cluster CA; client certificates (or tokens) required. */
  clientCerts?: boolean;
  cluster?: StartOptions;
  /** Extra kubelet options. */
  kubelet?: Partial<KubeletOptions>;
  /** Log level of the kubelet's captured log (default info). */
  logLevel?: "debug" | "info";
  /** Start containerd here; the kubelet connects to it (restartKubelet() keeps the pods). */
  externalRuntime?: boolean;
  /** Wait for the default namespace's service account (pods need it) before returning. */
  waitForServiceAccount?: boolean;
}

export interface KubeletNode {
  cluster: TestCluster;
  client: RestClient;
  kubelet: Kubelet;
  nodeName: string;
  dataDir: string;
  bridge: string;
  cgroupRoot: string;
  /** The node's runtime: with `externalRuntime`, a client that outlives kubelet restarts. */
  readonly runtime: ContainerRuntime;
  /** The kubelet's captured log. */
  logs(): string;
  /** eventually() with the kubelet's log tail as context (the harness's default bound). */
  until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  getPod(name: string, namespace?: string): Promise<Pod>;
  /** Waits until the pod (namespace default) reports this phase; resolves to it. */
  podInPhase(name: string, phase: string, timeoutMs?: number): Promise<Pod>;
  /** Stops the kubelet only (once); stop() then leaves it alone. */
  stopKubelet(): Promise<void>;
  /** Stops the kubelet if it runs and starts a new one with the same options (`kubelet` then is the new one). */
  restartKubelet(): Promise<void>;
  /** A pod's containers in the runtime as `attempt:state` (e.g. `0:exited`), oldest attempt first. */
  runtimeContainers(podUID: string): Promise<string[]>;
  /** A Pod manifest (JSON) running `sh -c script` in busybox on this node. */
  podManifest(name: string, script: string, o?: PodManifestOptions): string;
  /** Waits for an event about this Node whose `kubectl get events` line matches. */
  nodeEvent(line: RegExp): Promise<string>;
  /** The Node's condition of this type, read with kubectl. */
  nodeCondition(type: string): Promise<{ status: string; reason: string; message: string }>;
  stop(): Promise<void>;
}

export interface PodManifestOptions {
  /** Default busybox. */
  image?: string;
  /** metadata.labels (default none). */
  labels?: Record<string, string>;
  /** Default Never. */
  restartPolicy?: string;
  /** More pod spec fields. */
  spec?: Record<string, unknown>;
  /** More fields of the container "main". */
  container?: Record<string, unknown>;
}

const Gi = 1024 * 1024 * 1024;

/**
 * Injected nodefs stats (evictionStats): 100 GiB, 5 GiB free while
 * `shortWhilePresent` names an image the runtime still has, else 50 GiB.
 */
export async function nodefsStats(
  runtime: ContainerRuntime,
  shortWhilePresent: string | undefined,
): Promise<{ availableBytes: number; capacityBytes: number }> {
  const short = shortWhilePresent !== undefined && !!(await runtime.imageStatus(shortWhilePresent));
  return { availableBytes: (short ? 5 : 50) * Gi, capacityBytes: 100 * Gi };
}

/**
 * Registers the calling file's hooks: before its tests, startKubeletNode(o);
 * after them, stop(). The returned node forwards to the started one: use it
 * in tests and hooks, not at the file's top level.
 */
export function useKubeletNode(o: KubeletNodeOptions): KubeletNode {
  let started: KubeletNode | undefined;
  before(async () => {
    started = await startKubeletNode(o);
  });
  after(async () => {
    await started?.stop();
  });
  return new Proxy({} as KubeletNode, {
    get(_, prop) {
      const node = started ?? assert.fail("the kubelet node starts in the file's before hook");
      const value: unknown = Reflect.get(node, prop);
      return typeof value === "function" ? value.bind(node) : value;
    },
  });
}

/** Starts the cluster and the kubelet (stopping whatever started if a later step fails). */
export async function startKubeletNode(o: KubeletNodeOptions): Promise<KubeletNode> {
  const suffix = Math.random().toString(36).slice(2, 7);
  const nodeName = `${o.prefix}-e2e-${suffix}`;
  let logs = "";
  const cluster = await startCluster(o.cluster);
  const client = new RestClient(loadKubeconfig(cluster.kubeconfig));
  const dataDir = mkdtempSync(join(tmpdir(), `k8ts-${o.prefix}-e2e-`));
  const bridge = `k8ts${o.prefix.slice(0, 3)}${suffix}`;
  const cgroupRoot = `/k8ts-e2e-${o.prefix}-${suffix}`;
  let tlsOpts: Partial<KubeletOptions> = {};
  if (o.clientCerts) {
    const tls = join(cluster.dataDir, "tls");
    const ca = {
      certPem: readFileSync(join(tls, "ca.crt"), "utf8"),
      keyPem: readFileSync(join(tls, "ca.key"), "utf8"),
    };
    tlsOpts = { servingCA: ca, clientCaPem: ca.certPem };
  }
  const log = createLogger("kubelet", { write: (l) => (logs += l), level: o.logLevel ?? "info" });
  let criNode: CriNode | undefined;
  const opts: KubeletOptions = {
    client,
    nodeName,
    dataDir,
    podCIDR: o.podCIDR,
    bridge,
    cgroupRoot,
    port: 0,
    imagePull: false,
    ...tlsOpts,
    log,
    ...o.kubelet,
  };
  let kubelet: Kubelet;
  try {
    if (o.externalRuntime) {
      criNode = await startCriNode({
        dataDir,
        nodeName,
        podCIDR: o.podCIDR,
        clusterCIDR: "10.42.0.0/16",
        serviceCIDR: "10.43.0.0/16",
        bridge,
        cgroupRoot,
        log,
        importImages: true,
      });
      opts.containerRuntimeEndpoint = criNode.containerd.endpoint;
    }
    kubelet = await startKubelet(opts);
  } catch (err) {
    await criNode?.teardown();
    client.close();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) =>
    eventually(what, fn, { timeoutMs, context: () => logs.slice(-4000) });
  let kubeletStopped: Promise<void> | undefined;
  const stopKubelet = () => (kubeletStopped ??= kubelet.stop());
  const stopAll = async () => {
    await stopKubelet();
    await criNode?.teardown();
    client.close();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  if (o.waitForServiceAccount) {
    try {
      await until("default service account", async () => {
        const r = await cluster.kubectl(["get", "serviceaccount", "default", "-o", "name"]);
        return r.code === 0 ? r : undefined;
      });
    } catch (err) {
      await stopAll();
      throw err;
    }
  }
  return {
    cluster,
    client,
    get kubelet() {
      return kubelet;
    },
    nodeName,
    dataDir,
    bridge,
    cgroupRoot,
    get runtime() {
      return criNode?.runtime ?? kubelet.runtime;
    },
    stopKubelet,
    logs: () => logs,
    until,
    getPod: (name, namespace = "default") => client.get<Pod>(podsRef, namespace, name),
    async podInPhase(name, phase, timeoutMs) {
      let last: Pod | undefined;
      try {
        return await until(
          `${name} ${phase}`,
          async () => {
            last = await client.get<Pod>(podsRef, "default", name);
            return last.status?.phase === phase ? last : undefined;
          },
          timeoutMs,
        );
      } catch (err) {
        // Where it stopped (e.g. Failed at admission) says more than the timeout.
        const s = last?.status;
        const seen = `last seen: ${s?.phase} ${s?.reason ?? ""} ${s?.message ?? ""}`;
        throw new Error(`${(err as Error).message}\n${seen}`, { cause: err });
      }
    },
    async restartKubelet() {
      await stopKubelet();
      kubelet = await startKubelet(opts);
      kubeletStopped = undefined;
    },
    async runtimeContainers(podUID) {
      const list = await (criNode?.runtime ?? kubelet.runtime).listContainers({
        labelSelector: { [labelPodUID]: podUID },
      });
      return list
        .sort((a, b) => a.metadata.attempt - b.metadata.attempt)
        .map((c) => `${c.metadata.attempt}:${c.state.replace("CONTAINER_", "").toLowerCase()}`);
    },
    podManifest: (name, script, p = {}) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace: "default", ...(p.labels && { labels: p.labels }) },
        spec: {
          nodeName,
          restartPolicy: p.restartPolicy ?? "Never",
          containers: [
            {
              name: "main",
              image: p.image ?? "busybox",
              imagePullPolicy: "IfNotPresent",
              command: ["sh", "-c", script],
              ...p.container,
            },
          ],
          ...p.spec,
        },
      }),
    nodeEvent: (line) =>
      until(`node event ${line}`, async () => {
        const events = await cluster.kubectlOk([
          "get",
          "events",
          "--field-selector",
          `involvedObject.kind=Node,involvedObject.name=${nodeName}`,
        ]);
        return line.test(events) ? events : undefined;
      }),
    nodeCondition: async (type) =>
      JSON.parse(
        await cluster.kubectlOk([
          "get",
          "node",
          nodeName,
          "-o",
          `jsonpath={.status.conditions[?(@.type=="${type}")]}`,
        ]),
      ),
    stop: stopAll,
  };
}
