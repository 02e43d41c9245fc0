/**
 * Where a running k8ts process's RSS goes: `tsx bench/rss-breakdown.ts PID
 * [--pods N] [--gc]`. Reads /proc/PID/smaps (resident KiB by mapping kind:
 * the brk heap and anonymous mappings, where V8's pages and malloc's arenas
 * live, versus files such as the node binary and SQLite's -shm) and, when the
 * process runs with --inspect (bench:scale's children do), its
 * process.memoryUsage() and V8 heap spaces through a second inspector
 * session (--gc: after a full GC). "outside the JS heap" is RSS minus V8's
 * committed heap: malloc (SQLite's page caches, Buffers, zlib, OpenSSL),
 * worker threads' isolates, code and stacks.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { InspectorSession } from "./lib/inspector.ts";
import { flag } from "./lib/args.ts";
import { printTable } from "./lib/table.ts";

const pid = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)));
if (!pid) throw new Error("Cannot break down RSS: give the process id");
const pods = flag("pods") === undefined ? undefined : Number(flag("pods"));
const gc = process.argv.includes("--gc");
const KiB = 1024;
const MiB = 2 ** 20;

/** Resident KiB per mapping kind from /proc/PID/smaps. */
function smaps(): Map<string, { rss: number; anon: number; count: number }> {
  const out = new Map<string, { rss: number; anon: number; count: number }>();
  let kind = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1]!;
      kind = name === "" ? "[anon]" : name.startsWith("/") ? name.replace(/.*\//, "") : name;
      const e = out.get(kind) ?? { rss: 0, anon: 0, count: 0 };
      e.count++;
      out.set(kind, e);
      continue;
    }
    const m = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!m) continue;
    const e = out.get(kind)!;
    if (m[1] === "Rss") e.rss += Number(m[2]);
    else e.anon += Number(m[2]);
  }
  return out;
}

/** The inspector's WebSocket URL of pid, from its listening loopback ports. */
async function inspectorOf(): Promise<string | undefined> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9]!)) continue;
    ports.push(parseInt(f[1]!.split(":")[1]!, 16));
  }
  for (const port of ports) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/json/list`, {
        signal: AbortSignal.timeout(2000),
      });
      const list = (await r.json()) as { webSocketDebuggerUrl?: string }[];
      if (list[0]?.webSocketDebuggerUrl) return list[0].webSocketDebuggerUrl;
    } catch {
      // not the inspector
    }
  }
  return undefined;
}

const status = readFileSync(`/proc/${pid}/status`, "utf8");
const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
const threads = Number(/Threads:\s+(\d+)/.exec(status)![1]);
const rows = [...smaps()]
  .sort((a, b) => b[1].rss - a[1].rss)
  .slice(0, 12)
  .map(([kind, e]) => ({
    mapping: kind,
    mappings: e.count,
    "RSS MiB": e.rss / KiB,
    "anon MiB": e.anon / KiB,
    ...(pods ? { "KiB/pod": e.rss / pods } : {}),
  }));
process.stdout.write(`pid ${pid}: RSS ${(rssKiB / KiB).toFixed(1)} MiB, ${threads} threads\n`);
printTable(rows);

const url = await inspectorOf();
if (!url) {
  process.stdout.write("no inspector: V8 figures unavailable\n");
  process.exit(0);
}
const s = await InspectorSession.connect(url);
if (gc) await s.call("HeapProfiler.collectGarbage");
const expr = `JSON.stringify({ mu: process.memoryUsage(), spaces: process.getBuiltinModule("node:v8").getHeapSpaceStatistics(), heap: process.getBuiltinModule("node:v8").getHeapStatistics() })`;
const r = await s.call<{ result: { value: string } }>("Runtime.evaluate", { expression: expr });
s.close();
const { mu, spaces, heap } = JSON.parse(r.result.value) as {
  mu: NodeJS.MemoryUsage;
  spaces: { space_name: string; space_size: number; space_used_size: number }[];
  heap: { total_physical_size: number; malloced_memory: number; external_memory: number };
};
const per = (b: number) => (pods ? { "KiB/pod": b / KiB / pods } : {});
printTable([
  { figure: "rss (process.memoryUsage)", MiB: mu.rss / MiB, ...per(mu.rss) },
  { figure: "V8 heap committed (heapTotal)", MiB: mu.heapTotal / MiB, ...per(mu.heapTotal) },
  { figure: "V8 heap used", MiB: mu.heapUsed / MiB, ...per(mu.heapUsed) },
  {
    figure: "V8 heap physical",
    MiB: heap.total_physical_size / MiB,
    ...per(heap.total_physical_size),
  },
  { figure: "V8 malloced", MiB: heap.malloced_memory / MiB, ...per(heap.malloced_memory) },
  { figure: "external (incl. ArrayBuffers)", MiB: mu.external / MiB, ...per(mu.external) },
  { figure: "ArrayBuffers", MiB: mu.arrayBuffers / MiB, ...per(mu.arrayBuffers) },
  {
    figure: "outside the main JS heap",
    MiB: (mu.rss - heap.total_physical_size) / MiB,
    ...per(mu.rss - heap.total_physical_size),
  },
]);
printTable(
  spaces.map((sp) => ({
    space: sp.space_name,
    "size MiB": sp.space_size / MiB,
    "used MiB": sp.space_used_size / MiB,
    "slack MiB": (sp.space_size - sp.space_used_size) / MiB,
  })),
);

/** The same figures from each worker thread's isolate (NodeWorker domain of the inspector). */
async function workerFigures(url: string): Promise<void> {
  const w = await InspectorSession.connect(url);
  const attached: { sessionId: string; title: string }[] = [];
  const replies = new Map<string, (v: string) => void>();
  (w as unknown as { onNotification: (m: string, p: unknown) => void }).onNotification = (
    method,
    params,
  ) => {
    if (method === "NodeWorker.attachedToWorker") {
      const p = params as { sessionId: string; workerInfo: { title: string } };
      attached.push({ sessionId: p.sessionId, title: p.workerInfo.title });
    } else if (method === "NodeWorker.receivedMessageFromWorker") {
      const p = params as { sessionId: string; message: string };
      const msg = JSON.parse(p.message) as {
        id?: number;
        result?: { result?: { value?: string } };
      };
      if (msg.id === 1) replies.get(p.sessionId)?.(msg.result?.result?.value ?? "");
    }
  };
  await w.call("NodeWorker.enable", { waitForDebuggerOnStart: false });
  for (let i = 0; i < 20 && attached.length === 0; i++)
    await new Promise((r) => setTimeout(r, 100));
  for (const a of attached) {
    const got = new Promise<string>((resolve) => replies.set(a.sessionId, resolve));
    const send = (id: number, method: string, params: object) =>
      w.call("NodeWorker.sendMessageToWorker", {
        sessionId: a.sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    if (gc) await send(2, "HeapProfiler.collectGarbage", {});
    await send(1, "Runtime.evaluate", { expression: expr });
    const value = await Promise.race([
      got,
      new Promise<string>((r) => setTimeout(() => r(""), 30_000)),
    ]);
    if (!value) {
      process.stdout.write(`worker ${a.title}: no answer\n`);
      continue;
    }
    const f = JSON.parse(value) as {
      mu: NodeJS.MemoryUsage;
      heap: { total_physical_size: number; used_heap_size: number };
      spaces: { space_name: string; space_size: number; space_used_size: number }[];
    };
    process.stdout.write(`\nworker ${a.title}:\n`);
    printTable([
      {
        figure: "V8 heap physical",
        MiB: f.heap.total_physical_size / MiB,
        ...per(f.heap.total_physical_size),
      },
      { figure: "V8 heap used", MiB: f.heap.used_heap_size / MiB, ...per(f.heap.used_heap_size) },
      ...f.spaces
        .filter((sp) => sp.space_size > 0)
        .map((sp) => ({
          figure: `  ${sp.space_name} size`,
          MiB: sp.space_size / MiB,
          ...per(sp.space_size),
        })),
    ]);
  }
  await w.call("NodeWorker.disable").catch(() => undefined);
  w.close();
}
await workerFigures(url);
