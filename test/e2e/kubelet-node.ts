/**
 * One way for e2e tests to run a node: a real `k8ts server --disable-agent`
 * and the kubelet in this process with its own containerd (own
 * root/state/socket), its own CNI bridge, cgroup root and pod CIDR, pulls
 * disabled, its HTTPS server on a free port. With `clientCerts`, the
 * kubelet's serving certificate comes from the cluster CA, which also
 * authenticates callers (as `k8ts server` wires it). stop() removes
 * everything it started.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { eventually, startCluster, type StartOptions, type TestCluster } from "./harness.ts";
import { loadKubeconfig } from "../../src/client/kubeconfig.ts";
import { RestClient } from "../../src/client/rest-client.ts";
import { podsRef } from "../../src/client/resources.ts";
import { startKubelet, type Kubelet, type KubeletOptions } from "../../src/kubelet/kubelet.ts";
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
}

export interface KubeletNode {
  cluster: TestCluster;
  client: RestClient;
  kubelet: Kubelet;
  nodeName: string;
  dataDir: string;
  bridge: string;
  cgroupRoot: string;
  /** The kubelet's captured log. */
  logs(): string;
  /** eventually() with the kubelet's log tail as context (default 60 s). */
  until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  getPod(name: string, namespace?: string): Promise<Pod>;
  /** Stops the kubelet only (once); stop() then leaves it alone. */
  stopKubelet(): Promise<void>;
  stop(): Promise<void>;
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
  let kubelet: Kubelet;
  try {
    kubelet = await startKubelet({
      client,
      nodeName,
      dataDir,
      podCIDR: o.podCIDR,
      bridge,
      cgroupRoot,
      port: 0,
      imagePull: false,
      ...tlsOpts,
      log: createLogger("kubelet", { write: (l) => (logs += l), level: o.logLevel ?? "info" }),
      ...o.kubelet,
    });
  } catch (err) {
    client.close();
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const until = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000) =>
    eventually(what, fn, { timeoutMs, context: () => logs.slice(-4000) });
  let kubeletStopped: Promise<void> | undefined;
  const stopKubelet = () => (kubeletStopped ??= kubelet.stop());
  return {
    cluster,
    client,
    kubelet,
    nodeName,
    dataDir,
    bridge,
    cgroupRoot,
    stopKubelet,
    logs: () => logs,
    until,
    getPod: (name, namespace = "default") => client.get<Pod>(podsRef, namespace, name),
    async stop() {
      await stopKubelet();
      client.close();
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
