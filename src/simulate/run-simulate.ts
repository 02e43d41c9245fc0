/**
 * What `k8ts simulate` does once its flags are parsed: connect, register the
 * nodes behind a progress bar, report memory per node, run until told to stop.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { loadKubeconfig, type ClientConfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";
import { parseLabels, parseTaints } from "./flags.ts";
import { startKubeletNodes } from "./kubelet-nodes.ts";
import { loadProfile } from "./profile.ts";
import { Simulator } from "./simulator.ts";

export interface SimulateFlags {
  nodes: string;
  server?: string;
  kubeconfig?: string;
  token?: string;
  insecureSkipTlsVerify?: boolean;
  profile: string;
  mode: string;
  namePrefix: string;
  registerWithTaints: string;
  nodeLabels: string;
  kubeApiQps: string;
  kubeApiBurst: string;
  dataDir?: string;
  serveStats?: boolean;
  duration?: string;
  reportInterval: string;
}

/** The client configuration from --kubeconfig/--server/--token. */
export function clientConfigFrom(flags: SimulateFlags): ClientConfig {
  const path =
    flags.kubeconfig ?? process.env.KUBECONFIG?.split(":")[0] ?? join(homedir(), ".kube", "config");
  let config: ClientConfig;
  if (existsSync(path)) config = loadKubeconfig(path);
  else if (flags.server) config = { server: flags.server };
  else throw new Error(`Cannot connect: no kubeconfig at ${path} and no --server`);
  if (flags.server) config = { ...config, server: flags.server };
  if (flags.token) config = { ...config, token: flags.token, cert: undefined, key: undefined };
  if (flags.insecureSkipTlsVerify) config = { ...config, insecureSkipTLSVerify: true };
  return config;
}

const positive = (v: string, what: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`Cannot parse ${what} ${v}: not a count`);
  return n;
};

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

export async function runSimulate(flags: SimulateFlags): Promise<void> {
  const nodes = positive(flags.nodes, "--nodes");
  if (flags.mode !== "shared" && flags.mode !== "kubelet")
    throw new Error(`Cannot parse --mode ${flags.mode}: use shared or kubelet`);
  const profile = loadProfile(flags.profile);
  const taints = parseTaints(flags.registerWithTaints);
  const labels = parseLabels(flags.nodeLabels);
  const client = new RestClient({
    ...clientConfigFrom(flags),
    qps: positive(flags.kubeApiQps, "--kube-api-qps"),
    burst: positive(flags.kubeApiBurst, "--kube-api-burst"),
    userAgent: "k8ts-simulate",
  });
  const dataDir = flags.dataDir ?? mkdtempSync(join(tmpdir(), "k8ts-simulate-"));
  // A temporary data dir is removed on stop; one given with --data-dir is the user's.
  const removeDataDir = () => {
    if (flags.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  };

  const { SingleBar, Presets } = await import("cli-progress");
  const bar = new SingleBar(
    { format: "registering nodes [{bar}] {value}/{total} {duration}s", clearOnComplete: false },
    Presets.shades_classic,
  );
  global.gc?.();
  const before = process.memoryUsage();
  const t0 = performance.now();
  bar.start(nodes, 0);
  const onRegistered = (done: number) => bar.update(done);
  let stop: () => Promise<void>;
  let stats: () => string;
  if (flags.mode === "kubelet") {
    if (taints.length) throw new Error("Cannot use --register-with-taints with --mode kubelet");
    const k = await startKubeletNodes({
      client,
      nodes,
      namePrefix: flags.namePrefix,
      labels,
      zones: profile.zones,
      dataDir,
      onRegistered,
    });
    stop = async () => {
      await k.stop();
      removeDataDir();
    };
    stats = () => `pods=${k.kubelets.reduce((n, x) => n + x.pods().length, 0)}`;
  } else {
    const sim = await Simulator.start({
      client,
      nodes,
      profile,
      namePrefix: flags.namePrefix,
      taints,
      labels,
      dataDir,
      serveStats: flags.serveStats !== false,
      onRegistered,
    });
    stop = async () => {
      await sim.stop();
      removeDataDir();
    };
    stats = () => {
      const s = sim.stats();
      return `pods=${s.pods} leaseRenewals=${s.leaseRenewals} heartbeatErrors=${s.heartbeatErrors}`;
    };
  }
  bar.stop();
  global.gc?.();
  const after = process.memoryUsage();
  const perNode = nodes ? (after.heapUsed - before.heapUsed) / nodes : 0;
  process.stdout.write(
    `k8ts simulate: ${nodes} ${flags.mode} nodes registered in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      `rss ${mib(after.rss)} MiB, heap ${mib(after.heapUsed)} MiB, ~${(perNode / 1024).toFixed(1)} KiB heap per node\n`,
  );

  const every = Number(flags.reportInterval) * 1000;
  const reporter =
    every > 0
      ? setInterval(() => {
          const m = process.memoryUsage();
          process.stdout.write(
            `k8ts simulate: ${stats()} rss=${mib(m.rss)}MiB heap=${mib(m.heapUsed)}MiB\n`,
          );
        }, every)
      : undefined;
  await new Promise<void>((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
    if (flags.duration) setTimeout(resolve, Number(flags.duration) * 1000);
  });
  if (reporter) clearInterval(reporter);
  await stop();
  client.close();
}
