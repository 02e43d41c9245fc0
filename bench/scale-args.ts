import { join } from "node:path";
import { parsePodPace } from "./scale-pace.ts";

/** Command line of bench:scale. */
export interface ScaleArgs {
  nodes: number;
  pods: number;
  /** Object creates and deletes per second (Services, ConfigMaps, Secrets; deletions). */
  qps: number;
  /** Saturation pace: "auto" (adaptive, see maxBacklog) or pods per second (CL2_LOAD_TEST_THROUGHPUT). */
  podThroughput: string;
  /** Adaptive pacing: pods asked for but not yet run before the next object waits. */
  maxBacklog: number;
  /** Latency pods (1-replica Deployments, CL2's pod-startup-latency module): max(500, nodes) unless set. */
  latencyPods?: number;
  /** Latency pods created per second (CL2's Uniform5qps). */
  latencyQps: number;
  /** Deployment scale changes per second. */
  churnQps: number;
  /** Bound on the whole run in seconds. */
  timeoutS: number;
  profile: string;
  /** The server's store: embedded SQLite, a real etcd started for the run, or both runs one after another. */
  backend: "sqlite" | "etcd" | "both";
  /** --datastore-endpoint: an existing store for the server (only with --backend sqlite, the default). */
  datastore?: string;
  json?: string;
  /** Write the server's CPU profile (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  /** Write the server's heap snapshot there when every pod runs (server-loaded.heapsnapshot). */
  heapSnapshotDir?: string;
  /** Also profile the simulator (node --cpu-prof into cpuProfDir). */
  simCpuProf: boolean;
  /** CL2's own paces at any size (see scale-params.ts); else a run below full size scales them. */
  cl2: boolean;
  /** Seconds between progress lines on stderr. */
  progressS: number;
}

/** --full: the target size (5,000 nodes, 150,000 pods) with a 40-minute bound. */
export const fullSize = { nodes: 5000, pods: 150_000, timeoutS: 2400 } as const;

const numeric = [
  "--max-backlog",
  "--latency-pods",
  "--latency-qps",
  "--nodes",
  "--pods",
  "--qps",
  "--churn-qps",
  "--timeout",
  "--progress-interval",
] as const;

/** "--flag=value" as ["--flag", "value"]; "--flag" as ["--flag", undefined]. */
function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

/**
 * Parses argv (default process.argv.slice(2)); --quick is the default 100
 * nodes / 3,000 pods, --full sets fullSize (later flags override either).
 */
export function parseScaleArgs(argv: string[] = process.argv.slice(2)): ScaleArgs {
  const a: ScaleArgs = {
    nodes: 100,
    pods: 3000,
    qps: 100,
    podThroughput: "auto",
    maxBacklog: 250,
    latencyQps: 5,
    churnQps: 20,
    timeoutS: 600,
    profile: "fast",
    backend: "sqlite",
    simCpuProf: false,
    cl2: false,
    progressS: 10,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = splitFlag(argv[i]!);
    if (flag === "--quick") continue;
    if (flag === "--full") {
      Object.assign(a, fullSize);
      continue;
    }
    if (flag === "--sim-cpu-prof") {
      a.simCpuProf = true;
      continue;
    }
    if (flag === "--cl2") {
      a.cl2 = true;
      continue;
    }
    const take = () => {
      const v = value ?? argv[++i];
      if (v === undefined) throw new Error(`Cannot parse ${flag}: a value must follow`);
      return v;
    };
    if ((numeric as readonly string[]).includes(flag)) {
      const v = take();
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0)
        throw new Error(`Cannot parse ${flag} ${v}: not a positive number`);
      if (flag === "--nodes") a.nodes = Math.floor(n);
      else if (flag === "--pods") a.pods = Math.floor(n);
      else if (flag === "--qps") a.qps = n;
      else if (flag === "--churn-qps") {
        if (n > 20) throw new Error(`Cannot parse --churn-qps ${v}: at most 20 changes/s`);
        a.churnQps = n;
      } else if (flag === "--progress-interval") a.progressS = n;
      else if (flag === "--max-backlog") a.maxBacklog = Math.floor(n);
      else if (flag === "--latency-pods") a.latencyPods = Math.floor(n);
      else if (flag === "--latency-qps") a.latencyQps = n;
      else a.timeoutS = n;
    } else if (flag === "--pod-throughput") {
      a.podThroughput = take();
      parsePodPace(a.podThroughput, a.maxBacklog);
    } else if (flag === "--profile") a.profile = take();
    else if (flag === "--backend") {
      const v = take();
      if (v !== "sqlite" && v !== "etcd" && v !== "both")
        throw new Error(`Cannot parse --backend ${v}: want sqlite, etcd or both`);
      a.backend = v;
    } else if (flag === "--datastore-endpoint") a.datastore = take();
    else if (flag === "--json") a.json = take();
    else if (flag === "--cpu-prof-dir") a.cpuProfDir = take();
    else if (flag === "--heap-snapshot-dir") a.heapSnapshotDir = take();
    else throw new Error(`Cannot parse argument ${argv[i]}: see bench/scale.ts for the flags`);
  }
  if (a.datastore && a.backend !== "sqlite")
    throw new Error(
      `Cannot parse --datastore-endpoint with --backend ${a.backend}: it starts its own etcd`,
    );
  return a;
}

/**
 * The command line of one run of `--backend both`: argv with --backend set
 * to kind, --json to jsonFile, and the profile and snapshot dirs given a
 * subdir per backend (so the two runs' files do not overwrite each other).
 */
export function backendRunArgv(
  argv: string[],
  kind: "sqlite" | "etcd",
  jsonFile: string,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = splitFlag(argv[i]!);
    if (!["--backend", "--json", "--cpu-prof-dir", "--heap-snapshot-dir"].includes(flag)) {
      out.push(argv[i]!);
      continue;
    }
    const dir = value ?? argv[++i];
    if (flag === "--cpu-prof-dir" || flag === "--heap-snapshot-dir")
      out.push(flag, join(dir!, kind));
  }
  out.push("--backend", kind, "--json", jsonFile);
  return out;
}
