/**
 * Test builders, as upstream pkg/scheduler/testing wrappers:
 * `makePod("web").req({ cpu: "1" }).node("n1").obj()`, `makeNode("n1").capacity({ cpu: "4" }).obj()`,
 * and a Handle over an in-memory cache for plugin tests.
 */
import type { RestClient } from "../../client/rest-client.ts";
import type { EventsRecorder } from "../events/event-broadcaster.ts";
import type { Node, Pod, PodSpec, Taint, Toleration } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../../api/types.ts";
import { FakeClock } from "../../client/clock.ts";
import { SchedulerCache } from "../cache/cache.ts";
import { CycleState } from "../framework/cycle-state.ts";
import type { Framework } from "../framework/framework.ts";
import type { Lister } from "../framework/interfaces.ts";
import { PodInfo } from "../framework/pod-info.ts";
import { inTreeRegistry } from "../plugins/registry.ts";
import { buildFramework } from "../profile/build-framework.ts";
import type { Profile } from "../profile/config.ts";

export class PodWrapper {
  private pod: Pod;

  constructor(name: string) {
    this.pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", uid: `uid-${name}`, labels: {} },
      spec: { containers: [{ name: "c", image: "busybox" }], schedulerName: "default-scheduler" },
    };
  }

  namespace(ns: string): this {
    this.pod.metadata!.namespace = ns;
    return this;
  }

  labels(labels: Record<string, string>): this {
    this.pod.metadata!.labels = { ...this.pod.metadata!.labels, ...labels };
    return this;
  }

  /** Requests of the (single) app container. */
  req(requests: Record<string, string>): this {
    this.pod.spec!.containers[0]!.resources = { requests };
    return this;
  }

  container(image: string, requests?: Record<string, string>): this {
    this.pod.spec!.containers.push({
      name: `c${this.pod.spec!.containers.length}`,
      image,
      resources: { requests },
    });
    return this;
  }

  initReq(requests: Record<string, string>, restartPolicy?: string): this {
    (this.pod.spec!.initContainers ??= []).push({
      name: "init",
      image: "busybox",
      resources: { requests },
      restartPolicy,
    });
    return this;
  }

  node(name: string): this {
    this.pod.spec!.nodeName = name;
    return this;
  }

  priority(p: number): this {
    this.pod.spec!.priority = p;
    return this;
  }

  toleration(t: Toleration): this {
    (this.pod.spec!.tolerations ??= []).push(t);
    return this;
  }

  hostPort(port: number, protocol = "TCP", hostIP?: string): this {
    (this.pod.spec!.containers[0]!.ports ??= []).push({
      containerPort: port,
      hostPort: port,
      protocol,
      hostIP,
    });
    return this;
  }

  spec(extra: Partial<PodSpec>): this {
    this.pod.spec = { ...this.pod.spec!, ...extra };
    return this;
  }

  terminating(): this {
    this.pod.metadata = { ...this.pod.metadata, deletionTimestamp: "2026-01-01T00:00:00Z" };
    return this;
  }

  obj(): Pod {
    return structuredClone(this.pod);
  }

  info(): PodInfo {
    return new PodInfo(this.obj());
  }
}

export class NodeWrapper {
  private node: Node;

  constructor(name: string) {
    this.node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name } },
      spec: {},
      status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
    };
  }

  labels(labels: Record<string, string>): this {
    this.node.metadata!.labels = { ...this.node.metadata!.labels, ...labels };
    return this;
  }

  capacity(alloc: Record<string, string>): this {
    this.node.status!.allocatable = alloc;
    this.node.status!.capacity = alloc;
    return this;
  }

  taint(t: Taint): this {
    (this.node.spec!.taints ??= []).push(t);
    return this;
  }

  unschedulable(): this {
    this.node.spec!.unschedulable = true;
    return this;
  }

  images(images: { names: string[]; sizeBytes: number }[]): this {
    this.node.status!.images = images;
    return this;
  }

  obj(): Node {
    return structuredClone(this.node);
  }
}

export const makePod = (name: string) => new PodWrapper(name);
export const makeNode = (name: string) => new NodeWrapper(name);

export interface FakeClusterOptions {
  nodes?: Node[];
  pods?: Pod[];
  namespaces?: Record<string, Record<string, string>>;
  objects?: Record<string, KObject[]>;
  profile?: Profile;
  /** API client and event recorder the plugins see (none by default: no I/O). */
  client?: RestClient;
  eventRecorder?: EventsRecorder;
  /** Handle.signal (the scheduler stopping). */
  signal?: AbortSignal;
}

/** A cache holding the nodes and bound pods, and a default-profile Framework over it. */
export function fakeCluster(opts: FakeClusterOptions = {}): {
  cache: SchedulerCache;
  fw: Framework;
  clock: FakeClock;
} {
  const cache = new SchedulerCache();
  for (const n of opts.nodes ?? []) cache.addNode(n);
  for (const p of opts.pods ?? []) cache.addPod(p);
  const clock = new FakeClock();
  const lister = (resource: string): Lister => {
    const items = opts.objects?.[resource] ?? [];
    return {
      get: (ns, name) =>
        items.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? undefined) === ns),
      list: () => items,
    };
  };
  const fw = buildFramework(
    opts.profile ?? { schedulerName: "default-scheduler" },
    inTreeRegistry(),
    {
      clock,
      client: opts.client,
      eventRecorder: opts.eventRecorder,
      signal: opts.signal,
      snapshot: () => cache,
      namespaceLabels: (ns) =>
        opts.namespaces?.[ns] ?? (ns ? { "kubernetes.io/metadata.name": ns } : undefined),
      lister,
    },
  );
  return { cache, fw, clock };
}

/** Runs one plugin's PreFilter (if any) then Filter on every node; returns node name → reason ("" = fits). */
export function filterAll(
  cluster: { cache: SchedulerCache; fw: Framework },
  pluginName: string,
  pod: Pod,
): Record<string, string> {
  const pi = new PodInfo(pod);
  const state = new CycleState();
  const nodes = cluster.cache.nodeInfoList();
  const pre = cluster.fw.plugins.preFilter.find((p) => p.name === pluginName);
  const filter = cluster.fw.plugins.filter.find((p) => p.name === pluginName)!;
  const out: Record<string, string> = {};
  if (pre) {
    const s = pre.preFilter(state, pi, nodes);
    if (s && s.isSkip()) {
      for (const n of nodes) out[n.name] = "";
      return out;
    }
    if (s) {
      for (const n of nodes) out[n.name] = `prefilter: ${s.message()}`;
      return out;
    }
  }
  for (const n of nodes) out[n.name] = filter.filter(state, pi, n)?.message() ?? "";
  return out;
}

/** Runs one plugin's PreScore (if any), Score and NormalizeScore over every node. */
export function scoreAll(
  cluster: { cache: SchedulerCache; fw: Framework },
  pluginName: string,
  pod: Pod,
): Record<string, number> {
  const pi = new PodInfo(pod);
  const state = new CycleState();
  const nodes = cluster.cache.nodeInfoList();
  const pre = cluster.fw.plugins.preScore.find((p) => p.name === pluginName);
  const plugin = cluster.fw.plugins.score.find((s) => s.plugin.name === pluginName)!.plugin;
  const out: Record<string, number> = {};
  if (pre?.preScore(state, pi, nodes)?.isSkip()) {
    for (const n of nodes) out[n.name] = 0;
    return out;
  }
  const scores = nodes.map((n) => ({ name: n.name, score: plugin.score(state, pi, n) }));
  plugin.normalizeScore?.(state, pi, scores);
  for (const s of scores) out[s.name] = s.score;
  return out;
}
