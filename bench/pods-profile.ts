/**
 * Where one pod start spends its time on the real runtime: a `k8ts server
 * --disable-agent` and the kubelet in this process (own containerd, pulls
 * disabled). Pods are created one at a time (nothing else running); the
 * kubelet's runtime calls are timed, and the pod's Running status is seen
 * on a watch; then as many pods are created at once. Per phase (median):
 *   api create       create request sent → response
 *   kubelet sees     response → the worker's first runtime call for the pod
 *   sync → sandbox   first runtime call → RunPodSandbox sent
 *   RunPodSandbox    the CRI call (includes CNI)
 *   sandbox → create RunPodSandbox done → CreateContainer sent (volumes, image, env)
 *   CreateContainer, StartContainer   the CRI calls
 *   status → watch   StartContainer done → Running seen on the watch
 * Flags: --quick (4 pods instead of 8), --json FILE.
 */
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { performance } from "node:perf_hooks";
import { podsRef } from "../src/client/resources.ts";
import { labelPodUID } from "../src/kubelet/pod/runtime-config.ts";
import type { ContainerRuntime } from "../src/kubelet/runtime/runtime.ts";
import { startKubeletNode } from "../test/e2e/kubelet-node.ts";
import { parseBenchArgs, progress, writeJson } from "./lib/args.ts";
import { percentiles } from "./lib/percentiles.ts";
import { printTable } from "./lib/table.ts";

const args = parseBenchArgs();
const count = args.quick ? 4 : 8;
const log = (m: string) => progress("pods-profile", m);

type Marks = Record<string, number>;
const marks = new Map<string, Marks>();
const mark = (uid: string, what: string) => {
  const m = marks.get(uid) ?? {};
  if (m[what] === undefined) m[what] = performance.now();
  marks.set(uid, m);
};

/** Times the runtime calls of the kubelet (patched on the instance it uses). */
function instrument(rt: ContainerRuntime): void {
  const r = rt as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const wrap = (name: string, uidOf: (a: unknown[]) => string | undefined) => {
    const orig = r[name].bind(rt);
    r[name] = async (...a: unknown[]) => {
      const uid = uidOf(a);
      if (uid) mark(uid, `${name}:start`);
      const res = await orig(...a);
      if (uid) mark(uid, `${name}:end`);
      return res;
    };
  };
  const selUid = (a: unknown[]) =>
    (a[0] as { labelSelector?: Record<string, string> } | undefined)?.labelSelector?.[labelPodUID];
  wrap("listPodSandbox", selUid);
  wrap("runPodSandbox", (a) => (a[0] as { metadata: { uid: string } }).metadata.uid);
  wrap("createContainer", (a) => (a[2] as { metadata: { uid: string } }).metadata.uid);
  const byContainer = new Map<string, string>();
  const origCreate = r.createContainer;
  r.createContainer = async (...a: unknown[]) => {
    const id = (await origCreate(...a)) as string;
    byContainer.set(id, (a[2] as { metadata: { uid: string } }).metadata.uid);
    return id;
  };
  wrap("startContainer", (a) => byContainer.get(a[0] as string));
}

const node = await startKubeletNode({ prefix: "prof", podCIDR: "10.42.206.0/24" });
instrument(node.kubelet.runtime);
const { client } = node;
const rows: Record<string, Record<string, number[]>> = {};
try {
  await node.until("default service account", async () => {
    const r = await node.cluster.kubectl(["get", "serviceaccount", "default", "-o", "name"]);
    return r.code === 0;
  });
  const startOne = async (name: string, mode: string) => {
    const abort = new AbortController();
    const list = await client.list(podsRef, "default");
    let runningAt = 0;
    const seen = new Promise<void>((resolve) => {
      void (async () => {
        try {
          for await (const ev of client.watch<Pod>(
            podsRef,
            "default",
            {
              resourceVersion: list.metadata.resourceVersion,
              fieldSelector: `metadata.name=${name}`,
            },
            abort.signal,
          )) {
            const cs = ev.object.status?.containerStatuses ?? [];
            if (cs.length && cs.every((c) => c.state?.running)) {
              runningAt = performance.now();
              return resolve();
            }
          }
        } catch {
          resolve();
        }
      })();
    });
    const sent = performance.now();
    const created = await client.create<Pod>(podsRef, "default", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: {
        nodeName: node.nodeName,
        terminationGracePeriodSeconds: 0,
        containers: [
          {
            name: "main",
            image: "busybox",
            imagePullPolicy: "IfNotPresent",
            command: ["sleep", "3600"],
          },
        ],
      },
    });
    const createdAt = performance.now();
    await seen;
    abort.abort();
    const m = marks.get(created.metadata!.uid!) ?? {};
    const add = (k: string, v: number) => ((rows[mode] ??= {})[k] ??= []).push(v);
    add("api create", createdAt - sent);
    add("kubelet sees (watch + worker)", m["listPodSandbox:start"] - createdAt);
    add("sync → RunPodSandbox", m["runPodSandbox:start"] - m["listPodSandbox:start"]);
    add("RunPodSandbox (CRI, CNI)", m["runPodSandbox:end"] - m["runPodSandbox:start"]);
    add("sandbox → CreateContainer", m["createContainer:start"] - m["runPodSandbox:end"]);
    add("CreateContainer (CRI)", m["createContainer:end"] - m["createContainer:start"]);
    add("StartContainer (CRI)", m["startContainer:end"] - m["startContainer:start"]);
    add("status → Running on watch", runningAt - m["startContainer:end"]);
    add("total (create sent → Running seen)", runningAt - sent);
    log(`${mode} ${name}: ${(runningAt - sent).toFixed(0)} ms`);
  };
  for (let i = 0; i < count; i++) await startOne(`prof-${i}`, "one at a time");
  await Promise.all(
    Array.from({ length: count }, (_, i) => startOne(`burst-${i}`, `${count} at once`)),
  );
} finally {
  await node.stop();
}
for (const [mode, phases] of Object.entries(rows)) {
  process.stdout.write(`\n${mode} (ms)\n`);
  printTable(
    Object.entries(phases).map(([phase, v]) => {
      const p = percentiles([...v].sort((a, b) => a - b));
      return { phase, p50: p.p50.toFixed(0), min: p.min.toFixed(0), max: p.max.toFixed(0) };
    }),
  );
}
await writeJson(args.json, { phases: rows });
