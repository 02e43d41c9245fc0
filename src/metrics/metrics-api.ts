/**
 * Serves metrics.k8s.io/v1beta1 as metrics-server does: NodeMetrics and
 * PodMetrics built on each request from the kubelets' /stats/summary
 * (cached briefly per node, see summary-source.ts). CPU usage is in
 * nanocores ("123456n"), memory the working set in Ki. Nodes or pods
 * whose kubelet does not answer are left out, as metrics-server leaves
 * out what it could not scrape. labelSelector filters on the node's or
 * pod's labels.
 */
import type { Node, Pod } from "kubernetes-types/core/v1.d.ts";
import { StatusError, badRequest } from "../api/status.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { parseLabelSelector, type LabelSelector } from "../api/selectors/label-selector.ts";
import type { RequestContext, ServerContext } from "../apiserver/context.ts";
import { reply } from "../apiserver/handlers/common.ts";
import { locateKubelet } from "../apiserver/proxy/kubelet-client.ts";
import type { Summary } from "../kubelet/server/stats-provider.ts";
import { SummarySource } from "./summary-source.ts";

export const METRICS_GROUP = "metrics.k8s.io";
const API_VERSION = "metrics.k8s.io/v1beta1";
/** The window reported with each sample. */
const WINDOW = "10s";

const sources = new WeakMap<ServerContext, SummarySource>();

function sourceFor(server: ServerContext): SummarySource {
  let s = sources.get(server);
  if (!s) {
    s = new SummarySource({ clock: server.clock });
    sources.set(server, s);
  }
  return s;
}

/** Formats usage as metrics-server does. */
export function usageOf(
  cpuNanoCores: number,
  memoryBytes: number,
): { cpu: string; memory: string } {
  return {
    cpu: `${Math.max(0, Math.round(cpuNanoCores))}n`,
    memory: `${Math.max(0, Math.round(memoryBytes / 1024))}Ki`,
  };
}

function selectorOf(ctx: RequestContext): LabelSelector | undefined {
  const raw = ctx.query.get("labelSelector");
  if (!raw) return undefined;
  const r = parseLabelSelector(raw);
  if (!r.ok) throw badRequest(`unable to parse requirement: ${r.error.message}`);
  return r.selector;
}

async function listObjects<T>(
  ctx: RequestContext,
  resource: string,
  namespace?: string,
): Promise<T[]> {
  const def = ctx.server.registry.get("", "v1", resource)!;
  const page = await ctx.server.store.list(def, namespace || undefined, {});
  return page.items.map((i) => i.obj as unknown as T);
}

async function summaries(ctx: RequestContext, nodes: string[]): Promise<Map<string, Summary>> {
  const source = sourceFor(ctx.server);
  const out = new Map<string, Summary>();
  await Promise.all(
    [...new Set(nodes)].map(async (name) => {
      try {
        out.set(name, await source.get(name, await locateKubelet(ctx.server, name)));
      } catch {
        // unreachable kubelet: its metrics are left out
      }
    }),
  );
  return out;
}

function nodeMetrics(node: Node, s: Summary): KObject {
  return {
    kind: "NodeMetrics",
    apiVersion: API_VERSION,
    metadata: {
      name: node.metadata?.name,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      labels: node.metadata?.labels ?? {},
    },
    timestamp: s.node.cpu?.time ?? s.node.memory?.time,
    window: WINDOW,
    usage: usageOf(s.node.cpu?.usageNanoCores ?? 0, s.node.memory?.workingSetBytes ?? 0),
  } as KObject;
}

function podMetrics(pod: Pod, s: Summary): KObject | undefined {
  const m = pod.metadata ?? {};
  const ps =
    s.pods.find((p) => p.podRef.uid === m.uid) ??
    s.pods.find((p) => p.podRef.namespace === m.namespace && p.podRef.name === m.name);
  if (!ps || ps.containers.length === 0) return undefined;
  return {
    kind: "PodMetrics",
    apiVersion: API_VERSION,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
      labels: m.labels ?? {},
    },
    timestamp: ps.cpu?.time ?? ps.containers[0].cpu?.time,
    window: WINDOW,
    containers: ps.containers.map((c) => ({
      name: c.name,
      usage: usageOf(c.cpu?.usageNanoCores ?? 0, c.memory?.workingSetBytes ?? 0),
    })),
  } as KObject;
}

function list(kind: string, items: KObject[]): object {
  return { kind: `${kind}List`, apiVersion: API_VERSION, metadata: {}, items };
}

/** Handles get/list of metrics.k8s.io resources. */
export async function handleMetrics(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const verb = ctx.info.verb;
  if (verb !== "get" && verb !== "list") {
    throw new StatusError(
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
      {},
    );
  }
  const selector = selectorOf(ctx);
  const name = ctx.info.name;
  if (def.resource === "nodes") {
    let nodes = await listObjects<Node>(ctx, "nodes");
    if (name) nodes = nodes.filter((n) => n.metadata?.name === name);
    if (selector) nodes = nodes.filter((n) => selector.matches(n.metadata?.labels ?? {}));
    const stats = await summaries(
      ctx,
      nodes.map((n) => n.metadata?.name ?? ""),
    );
    const items = nodes.flatMap((n) => {
      const s = stats.get(n.metadata?.name ?? "");
      return s ? [nodeMetrics(n, s)] : [];
    });
    if (name) {
      if (!items[0])
        throw new StatusError("NotFound", `nodemetrics.metrics.k8s.io "${name}" not found`, {
          name,
          group: METRICS_GROUP,
          kind: "nodemetrics",
        });
      return reply(ctx, 200, items[0]);
    }
    return reply(ctx, 200, list("NodeMetrics", items));
  }
  const namespace = ctx.info.namespace;
  let pods = await listObjects<Pod>(ctx, "pods", namespace);
  if (name) pods = pods.filter((p) => p.metadata?.name === name);
  if (selector) pods = pods.filter((p) => selector.matches(p.metadata?.labels ?? {}));
  pods = pods.filter((p) => p.spec?.nodeName && p.status?.phase === "Running");
  const stats = await summaries(
    ctx,
    pods.map((p) => p.spec?.nodeName ?? ""),
  );
  const items = pods.flatMap((p) => {
    const s = stats.get(p.spec?.nodeName ?? "");
    const pm = s && podMetrics(p, s);
    return pm ? [pm] : [];
  });
  if (name) {
    if (!items[0])
      throw new StatusError(
        "NotFound",
        `podmetrics.metrics.k8s.io "${namespace}/${name}" not found`,
        { name, group: METRICS_GROUP, kind: "podmetrics" },
      );
    return reply(ctx, 200, items[0]);
  }
  return reply(ctx, 200, list("PodMetrics", items));
}
