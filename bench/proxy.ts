/**
 * kube-proxy benchmark: the iptables proxier programming a private network
 * namespace (never the host's tables). For each scale, S Services x E
 * endpoints are fed to the proxier, then:
 *  - the first (full) sync and periodic full syncs are timed;
 *  - "change -> rules programmed": one EndpointSlice changes and the
 *    partial sync that follows is timed, many times (p50/p99);
 *  - connections per second through a NodePort (127.0.0.1) vs straight to
 *    the pod IP, from the node namespace, with all rules in place.
 * Figures come from the proxier's own sync_proxy_rules_duration metric path.
 *
 *  - "service added -> rules programmed": a new Service with one endpoint
 *    (the partial sync then also inserts its top-level rules), 20 times.
 *
 * CPU columns are load-independent enough to argue from on a shared
 * machine: "cpu" is this process's CPU time per change (rule building and
 * the proxier's bookkeeping), "restore cpu" the CPU time of the
 * iptables-restore (and other) processes the sync ran (from
 * /proc/self/stat cutime+cstime, 10 ms ticks).
 *
 * Flags: --json FILE, --quick (100 services), --backend auto|nft|legacy
 * (the iptables implementation; auto as `k8ts proxy`), --services N[,M]
 * (only these scales of the full run: 1000 and/or 10000). Progress goes to
 * stderr.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { Proxier } from "../src/proxy/proxier.ts";
import type { IptablesBackend } from "../src/proxy/iptables/iptables.ts";
import { NetnsLab } from "../src/proxy/testing/netns-lab.ts";
import { makeService, makeSlice } from "../src/proxy/testing/builders.ts";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable, type Row } from "./lib/table.ts";

interface Scale {
  services: number;
  endpoints: number;
  changes: number;
}

const serviceIP = (i: number) => `10.43.${1 + (i >> 8)}.${i & 255}`;
/** Endpoint j of service i: distinct addresses in 10.42.0.0/16 (rules only, never sent to). */
const fakeEndpoint = (i: number, j: number, perService: number) => {
  const k = i * perService + j;
  return `10.42.${(k >> 8) & 255}.${k & 255}`;
};

/** CPU milliseconds of this process's waited-for children (the commands a sync runs). */
function childCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[13]) + Number(f[14])) * 10;
}

/** CPU milliseconds of this process. */
function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Sequential HTTP GETs from inside a namespace for a fixed count; connections per second. */
async function connectionRate(netns: string, url: string, count: number): Promise<number> {
  const script = `
    const http = require("node:http");
    const url = process.argv[1]; const n = Number(process.argv[2]);
    const one = () => new Promise((res, rej) => http.get(url, { agent: false }, (r) => { r.resume(); r.on("end", res); }).on("error", rej));
    (async () => { const t = performance.now(); for (let i = 0; i < n; i++) await one(); console.log((n / ((performance.now() - t) / 1000)).toFixed(1)); })().catch((e) => { console.error(String(e)); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    const child = spawn("ip", [
      "netns",
      "exec",
      netns,
      process.execPath,
      "-e",
      script,
      url,
      String(count),
    ]);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) =>
      code === 0 ? resolve(Number(out.trim())) : reject(new Error(`rate ${url}: ${err}`)),
    );
  });
}

async function runScale(
  scale: Scale,
  quick: boolean,
  backend: IptablesBackend | "auto",
): Promise<Row> {
  const lab = new NetnsLab("10.42.12.0/24");
  try {
    await lab.create();
    const pod = await lab.addPod("backend");
    await lab.serveHttp(pod);
    const proxier = new Proxier({
      exec: lab.exec,
      nodeName: "node1",
      clusterCIDR: "10.42.0.0/16",
      serviceCIDR: "10.43.0.0/16",
      minSyncPeriodMs: 0,
      syncPeriodMs: 0,
      iptablesBackend: backend,
    });
    const slices = [];
    for (let i = 0; i < scale.services; i++) {
      const name = `svc-${i}`;
      const spec =
        i === 0
          ? {
              type: "NodePort" as const,
              ports: [{ name: "http", port: 80, nodePort: 30090, protocol: "TCP" }],
            }
          : {};
      proxier.onServiceAdd(makeService(name, serviceIP(i), spec));
      const eps =
        i === 0
          ? [{ ip: pod.ip }]
          : Array.from({ length: scale.endpoints }, (_, j) => ({
              ip: fakeEndpoint(i, j, scale.endpoints),
            }));
      const s = makeSlice(name, eps);
      slices.push(s);
      proxier.onEndpointSliceAdd(s);
    }
    progress("proxy", `${scale.services} services x ${scale.endpoints} endpoints: first sync`);
    let c0 = childCpuMs();
    const first = await proxier.sync();
    if (!first.ok) throw new Error(first.error);
    const firstCpu = childCpuMs() - c0;
    const fulls: number[] = [];
    const fullCpu: number[] = [];
    for (let i = 0; i < (quick ? 2 : 3); i++) {
      c0 = childCpuMs();
      const r = await proxier.sync(true);
      if (!r.ok) throw new Error(r.error);
      fulls.push(r.durationSeconds * 1000);
      fullCpu.push(childCpuMs() - c0);
    }
    progress("proxy", `${scale.changes} endpoint changes`);
    const changes: number[] = [];
    const gen: number[] = [];
    const restore: number[] = [];
    const cpu: number[] = [];
    const restoreCpu: number[] = [];
    for (let k = 0; k < scale.changes; k++) {
      // A different service each time loses its last endpoint (a real change).
      const i = 1 + ((k * 7919) % (scale.services - 1));
      const eps = Array.from({ length: scale.endpoints - 1 }, (_, j) => ({
        ip: fakeEndpoint(i, j, scale.endpoints),
      }));
      const [t, s0, r0] = [performance.now(), selfCpuMs(), childCpuMs()];
      proxier.onEndpointSliceUpdate(slices[i], makeSlice(`svc-${i}`, eps));
      const r = await proxier.sync();
      cpu.push(selfCpuMs() - s0);
      restoreCpu.push(childCpuMs() - r0);
      if (!r.ok || r.full || r.servicesWritten !== 1)
        throw new Error(r.error ?? "expected a partial sync of one service");
      changes.push(performance.now() - t);
      gen.push((r.generateSeconds ?? 0) * 1000);
      restore.push((r.restoreSeconds ?? 0) * 1000);
    }
    progress("proxy", "services added");
    const adds: number[] = [];
    const addCpu: number[] = [];
    for (let k = 0; k < (quick ? 3 : 20); k++) {
      const name = `added-${k}`;
      const [t, c] = [performance.now(), childCpuMs()];
      proxier.onServiceAdd(makeService(name, serviceIP(scale.services + k)));
      proxier.onEndpointSliceAdd(makeSlice(name, [{ ip: pod.ip }]));
      const r = await proxier.sync();
      if (!r.ok || r.full || !r.topLevelWritten)
        throw new Error(r.error ?? "expected a partial sync rewriting the top-level chains");
      adds.push(performance.now() - t);
      addCpu.push(childCpuMs() - c);
    }
    progress("proxy", "connection rates");
    // Interleaved rounds, median of each: the machine is shared and noisy.
    const n = quick ? 100 : 300;
    const np: number[] = [];
    const dr: number[] = [];
    for (let round = 0; round < (quick ? 2 : 5); round++) {
      np.push(await connectionRate(lab.nodeNetns, "http://127.0.0.1:30090/", n));
      dr.push(await connectionRate(lab.nodeNetns, `http://${pod.ip}:8080/`, n));
    }
    const viaNodePort = percentiles(np).p50;
    const direct = percentiles(dr).p50;
    const p = percentiles(changes);
    return {
      backend: proxier.iptables?.backend ?? "",
      services: scale.services,
      endpoints: scale.endpoints,
      "nat rules": first.natRules,
      "first sync ms": first.durationSeconds * 1000,
      "first sync cmd cpu ms": firstCpu,
      "full sync p50 ms": percentiles(fulls).p50,
      "full sync cmd cpu ms": percentiles(fullCpu).p50,
      "change p50 ms": p.p50,
      "change p99 ms": p.p99,
      "of which rules p50 ms": percentiles(gen).p50,
      "restore p50 ms": percentiles(restore).p50,
      "change cpu p50 ms": percentiles(cpu).p50,
      "change cpu p99 ms": percentiles(cpu).p99,
      "restore cpu p50 ms": percentiles(restoreCpu).p50,
      "restore cpu p99 ms": percentiles(restoreCpu).p99,
      "svc add p50 ms": percentiles(adds).p50,
      "svc add p99 ms": percentiles(adds).p99,
      "svc add cmd cpu p50 ms": percentiles(addCpu).p50,
      "conn/s NodePort": viaNodePort,
      "conn/s direct": direct,
      ratio: viaNodePort / direct,
    };
  } finally {
    await lab.destroy();
  }
}

/** Takes `--backend X` out of argv (the shared parser knows only --json and --quick). */
function backendArg(argv: string[]): IptablesBackend | "auto" {
  const i = argv.indexOf("--backend");
  if (i < 0) return "auto";
  const b = argv[i + 1] ?? "";
  if (!["auto", "nft", "legacy", "default"].includes(b))
    throw new Error(`Cannot parse --backend ${b}: use auto, nft, legacy or default`);
  argv.splice(i, 2);
  return b as IptablesBackend | "auto";
}

/** Takes `--services N[,M]` out of argv: which scales of the full run. */
function servicesArg(argv: string[]): number[] | undefined {
  const i = argv.indexOf("--services");
  if (i < 0) return undefined;
  const list = (argv[i + 1] ?? "").split(",").map(Number);
  if (list.some((n) => n !== 1000 && n !== 10000))
    throw new Error(`Cannot parse --services ${argv[i + 1]}: use 1000, 10000 or 1000,10000`);
  argv.splice(i, 2);
  return list;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const backend = backendArg(argv);
  const only = servicesArg(argv);
  const args = parseBenchArgs(argv);
  const scales: Scale[] = args.quick
    ? [{ services: 100, endpoints: 10, changes: 20 }]
    : [
        { services: 1000, endpoints: 10, changes: 100 },
        { services: 10000, endpoints: 2, changes: 100 },
      ].filter((s) => !only || only.includes(s.services));
  const rows: Row[] = [];
  for (const s of scales) rows.push(await runScale(s, args.quick, backend));
  const load = (await import("node:os")).loadavg().map((l) => l.toFixed(1));
  process.stdout.write(
    `kube-proxy, iptables mode, in a private network namespace (ms; conn/s medians); load average at end ${load.join(" ")}\n`,
  );
  printTable(rows);
  await writeJson(args.json, { bench: "proxy", rows });
}

await main();
