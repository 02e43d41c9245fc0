/**
 * Resource usage of the node and its pods, as the kubelet's /stats/summary
 * (stats/v1alpha1 Summary) and /metrics/resource report it. Node usage
 * comes from the root cgroup (cgroup v1: cpuacct.usage; memory usage minus
 * total_inactive_file is the working set); container usage from CRI
 * ListContainerStats. CPU rates are computed from cumulative counters
 * (containerd's usage_nano_cores lags its 10 s stats period).
 */
import { readFileSync } from "node:fs";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import {
  labelContainerName,
  labelPodName,
  labelPodNamespace,
  labelPodUID,
} from "../pod/runtime-config.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { CpuRateTracker } from "./cpu-rate.ts";

export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes?: number;
  availableBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface ContainerSummary {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

/** The stats/v1alpha1 Summary document. */
export interface Summary {
  node: {
    nodeName: string;
    startTime: string;
    cpu?: CpuStats;
    memory?: MemoryStats;
  };
  pods: PodSummary[];
}

export interface StatsProviderOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  clock: Clock;
  /** The pods the kubelet runs (start times). */
  pods(): Pod[];
  /** Root of the cgroup v1 hierarchies (default /sys/fs/cgroup). */
  cgroupFs?: string;
  memoryCapacity: number;
}

const readNumber = (path: string): number | undefined => {
  try {
    const n = Number(readFileSync(path, "utf8").trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
};

/** `key value` lines of a cgroup stat file. */
export function parseStatFile(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const [k, v] = line.split(" ");
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

/** Computes Summary documents on demand; one per node. */
export class StatsProvider {
  readonly #o: StatsProviderOptions;
  readonly #rates = new CpuRateTracker();
  readonly #bootMs: number;

  constructor(o: StatsProviderOptions) {
    this.#o = o;
    let uptime = 0;
    try {
      uptime = Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]);
    } catch {
      // not Linux: the boot time is unknown
    }
    this.#bootMs = o.clock.now() - (Number.isFinite(uptime) ? uptime * 1000 : 0);
  }

  /** Node usage from the root cgroup. */
  nodeStats(nowMs: number): { cpu?: CpuStats; memory?: MemoryStats } {
    const fs = this.#o.cgroupFs ?? "/sys/fs/cgroup";
    const time = rfc3339(nowMs);
    const cpuNs = readNumber(`${fs}/cpuacct/cpuacct.usage`);
    const usage = readNumber(`${fs}/memory/memory.usage_in_bytes`);
    let stat: Record<string, number> = {};
    try {
      stat = parseStatFile(readFileSync(`${fs}/memory/memory.stat`, "utf8"));
    } catch {
      // no memory hierarchy
    }
    const cpu =
      cpuNs === undefined
        ? undefined
        : {
            time,
            usageCoreNanoSeconds: cpuNs,
            usageNanoCores:
              this.#rates.observe("node", cpuNs, nowMs) ??
              Math.round((cpuNs / Math.max(1, nowMs - this.#bootMs)) * 1000),
          };
    const ws =
      usage === undefined ? undefined : Math.max(0, usage - (stat.total_inactive_file ?? 0));
    const memory =
      ws === undefined
        ? undefined
        : {
            time,
            workingSetBytes: ws,
            usageBytes: usage,
            availableBytes: Math.max(0, this.#o.memoryCapacity - ws),
            rssBytes: stat.total_rss ?? 0,
            pageFaults: stat.total_pgfault ?? 0,
            majorPageFaults: stat.total_pgmajfault ?? 0,
          };
    return { cpu, memory };
  }

  /** The whole Summary (node and every pod with running containers). */
  async summary(): Promise<Summary> {
    const now = this.#o.clock.now();
    const stats = await this.#o.runtime.listContainerStats();
    const containers = await this.#o.runtime.listContainers({ state: "CONTAINER_RUNNING" });
    const running = new Map(containers.map((c) => [c.id, c]));
    const pods = new Map<string, PodSummary>();
    const podStart = new Map(
      this.#o.pods().map((p) => [p.metadata?.uid ?? "", p.status?.startTime ?? ""]),
    );
    const live = new Set<string>(["node"]);
    for (const s of stats) {
      const c = running.get(s.id);
      if (!c) continue;
      const uid = s.labels[labelPodUID] ?? c.labels[labelPodUID] ?? "";
      if (!uid) continue;
      live.add(s.id);
      let pod = pods.get(uid);
      if (!pod) {
        pod = {
          podRef: {
            name: c.labels[labelPodName] ?? "",
            namespace: c.labels[labelPodNamespace] ?? "",
            uid,
          },
          startTime: podStart.get(uid) || rfc3339(c.createdAt),
          containers: [],
        };
        pods.set(uid, pod);
      }
      const time = rfc3339(s.cpu?.timestamp || now);
      const cumulative = s.cpu?.usageCoreNanoSeconds ?? 0;
      const rate =
        this.#rates.observe(s.id, cumulative, s.cpu?.timestamp || now) ??
        Math.round((cumulative / Math.max(1000, now - c.createdAt)) * 1000);
      pod.containers.push({
        name: c.labels[labelContainerName] ?? c.metadata.name,
        startTime: rfc3339(c.createdAt),
        cpu: s.cpu ? { time, usageNanoCores: rate, usageCoreNanoSeconds: cumulative } : undefined,
        memory: s.memory
          ? {
              time: rfc3339(s.memory.timestamp || now),
              workingSetBytes: s.memory.workingSetBytes,
              usageBytes: s.memory.usageBytes,
              rssBytes: s.memory.rssBytes,
              pageFaults: s.memory.pageFaults,
              majorPageFaults: s.memory.majorPageFaults,
            }
          : undefined,
      });
    }
    this.#rates.retain(live);
    for (const pod of pods.values()) {
      const time = rfc3339(now);
      pod.cpu = {
        time,
        usageNanoCores: sum(pod.containers.map((c) => c.cpu?.usageNanoCores ?? 0)),
        usageCoreNanoSeconds: sum(pod.containers.map((c) => c.cpu?.usageCoreNanoSeconds ?? 0)),
      };
      pod.memory = {
        time,
        workingSetBytes: sum(pod.containers.map((c) => c.memory?.workingSetBytes ?? 0)),
        usageBytes: sum(pod.containers.map((c) => c.memory?.usageBytes ?? 0)),
      };
    }
    return {
      node: {
        nodeName: this.#o.nodeName,
        startTime: rfc3339(this.#bootMs),
        ...this.nodeStats(now),
      },
      pods: [...pods.values()],
    };
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Prometheus text of /metrics/resource for a Summary (timestamps in ms). */
export function resourceMetricsText(s: Summary, nowMs: number): string {
  const lines: string[] = [];
  const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const labels = (l: Record<string, string>) =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(",")}}`;
  const family = (name: string, help: string, type: string, rows: [string, number][]) => {
    lines.push(`# HELP ${name} [STABLE] ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of rows) lines.push(`${name}${l} ${v} ${nowMs}`);
  };
  const ctr = s.pods.flatMap((p) =>
    p.containers.map((c) => ({
      l: labels({ container: c.name, namespace: p.podRef.namespace, pod: p.podRef.name }),
      c,
    })),
  );
  const podLabels = (p: PodSummary) =>
    labels({ namespace: p.podRef.namespace, pod: p.podRef.name });
  family(
    "container_cpu_usage_seconds_total",
    "Cumulative cpu time consumed by the container in core-seconds",
    "counter",
    ctr.map(({ l, c }) => [l, (c.cpu?.usageCoreNanoSeconds ?? 0) / 1e9]),
  );
  family(
    "container_memory_working_set_bytes",
    "Current working set of the container in bytes",
    "gauge",
    ctr.map(({ l, c }) => [l, c.memory?.workingSetBytes ?? 0]),
  );
  family(
    "container_start_time_seconds",
    "Start time of the container since unix epoch in seconds",
    "gauge",
    ctr.map(({ l, c }) => [l, Date.parse(c.startTime) / 1000]),
  );
  family(
    "node_cpu_usage_seconds_total",
    "Cumulative cpu time consumed by the node in core-seconds",
    "counter",
    [["", (s.node.cpu?.usageCoreNanoSeconds ?? 0) / 1e9]],
  );
  family("node_memory_working_set_bytes", "Current working set of the node in bytes", "gauge", [
    ["", s.node.memory?.workingSetBytes ?? 0],
  ]);
  family(
    "pod_cpu_usage_seconds_total",
    "Cumulative cpu time consumed by the pod in core-seconds",
    "counter",
    s.pods.map((p) => [podLabels(p), (p.cpu?.usageCoreNanoSeconds ?? 0) / 1e9]),
  );
  family(
    "pod_memory_working_set_bytes",
    "Current working set of the pod in bytes",
    "gauge",
    s.pods.map((p) => [podLabels(p), p.memory?.workingSetBytes ?? 0]),
  );
  lines.push(
    "# HELP resource_scrape_error [STABLE] 1 if there was an error while getting container metrics, 0 otherwise",
    "# TYPE resource_scrape_error gauge",
    "resource_scrape_error 0",
  );
  return `${lines.join("\n")}\n`;
}
