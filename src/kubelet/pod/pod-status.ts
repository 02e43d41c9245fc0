/**
 * The API status of a pod from what the runtime reports and what the pod
 * worker decided (upstream generateAPIPodStatus / getPhase): phase,
 * conditions, IPs, and one containerStatus per spec container with
 * state/lastState, restartCount (the latest attempt), imageID and
 * containerID `containerd://<id>`.
 */
import type {
  Container,
  ContainerState,
  ContainerStatus as ApiContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from "kubernetes-types/core/v1.d.ts";
import type { ContainerStatus } from "../runtime/runtime.ts";
import { podQOS } from "./qos.ts";

export interface Waiting {
  reason: string;
  message?: string;
}

export interface PodObservation {
  sandboxReady: boolean;
  podIPs: string[];
  hostIP: string;
  /** Runtime statuses per container name, newest attempt first. */
  containers: Map<string, ContainerStatus[]>;
  /** Waiting reasons the worker decided (ErrImageNeverPull, CrashLoopBackOff, ...). */
  waiting: Map<string, Waiting>;
  ready(id: string): boolean;
  started(id: string): boolean;
  /** The pod's containers are all stopped because the pod is being deleted. */
  terminating: boolean;
  /** Prefix of container IDs, e.g. "containerd". */
  runtimeName: string;
  /** Now, ms since the epoch. */
  now: number;
  startTime?: string;
}

const iso = (ms: number) =>
  new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

function terminatedState(s: ContainerStatus, runtimeName: string): ContainerState {
  return {
    terminated: {
      exitCode: s.exitCode,
      reason: s.reason || (s.exitCode === 0 ? "Completed" : "Error"),
      message: s.message || undefined,
      startedAt: s.startedAt ? iso(s.startedAt) : undefined,
      finishedAt: s.finishedAt ? iso(s.finishedAt) : undefined,
      containerID: `${runtimeName}://${s.id}`,
    },
  };
}

function containerStatus(
  c: Container,
  obs: PodObservation,
  isInit: boolean,
  defaultWaiting: string,
): ApiContainerStatus {
  const list = obs.containers.get(c.name) ?? [];
  const latest = list[0];
  const previous = list[1];
  const waiting = obs.waiting.get(c.name);
  const out: ApiContainerStatus = {
    name: c.name,
    image: c.image ?? "",
    imageID: latest?.imageRef ?? "",
    ready: false,
    restartCount: latest?.metadata.attempt ?? 0,
    state: {},
    lastState: {},
    started: false,
  };
  if (latest) out.containerID = `${obs.runtimeName}://${latest.id}`;
  if (!latest) {
    out.state = {
      waiting: { reason: waiting?.reason ?? defaultWaiting, message: waiting?.message },
    };
  } else if (latest.state === "CONTAINER_RUNNING") {
    out.state = { running: { startedAt: iso(latest.startedAt || latest.createdAt) } };
    out.ready = obs.ready(latest.id);
    out.started = obs.started(latest.id);
    if (previous?.state === "CONTAINER_EXITED")
      out.lastState = terminatedState(previous, obs.runtimeName);
  } else if (latest.state === "CONTAINER_EXITED") {
    if (waiting && !obs.terminating) {
      out.state = { waiting: { reason: waiting.reason, message: waiting.message } };
      out.lastState = terminatedState(latest, obs.runtimeName);
    } else {
      out.state = terminatedState(latest, obs.runtimeName);
      if (previous?.state === "CONTAINER_EXITED")
        out.lastState = terminatedState(previous, obs.runtimeName);
    }
  } else {
    out.state = {
      waiting: { reason: waiting?.reason ?? "ContainerCreating", message: waiting?.message },
    };
    if (previous?.state === "CONTAINER_EXITED")
      out.lastState = terminatedState(previous, obs.runtimeName);
  }
  if (isInit) out.ready = latest?.state === "CONTAINER_EXITED" && latest.exitCode === 0;
  if (out.state.waiting && !out.state.waiting.message) delete out.state.waiting.message;
  return out;
}

/** Upstream getPhase over init and regular container statuses. */
export function podPhase(
  pod: Pod,
  init: ApiContainerStatus[],
  regular: ApiContainerStatus[],
): string {
  const policy = pod.spec?.restartPolicy ?? "Always";
  for (const s of init) {
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (policy === "Never" && (t || s.lastState?.terminated) && !s.state?.running) {
      if (t || s.state?.waiting) return "Failed";
    }
    return "Pending";
  }
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of regular) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    if (policy === "OnFailure") return "Running";
    return "Failed";
  }
  return "Pending";
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = {
    type,
    status: ok ? "True" : "False",
    lastProbeTime: null as unknown as string,
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** The pod status to write; keeps lastTransitionTime of unchanged conditions from old. */
export function computePodStatus(pod: Pod, obs: PodObservation, old: PodStatus = {}): PodStatus {
  const spec = pod.spec!;
  const hasInit = (spec.initContainers ?? []).length > 0;
  const init = (spec.initContainers ?? []).map((c) =>
    containerStatus(c, obs, true, "PodInitializing"),
  );
  const initDone = init.every((s) => s.state?.terminated?.exitCode === 0);
  const regular = spec.containers.map((c) =>
    containerStatus(c, obs, false, hasInit && !initDone ? "PodInitializing" : "ContainerCreating"),
  );
  let phase = podPhase(pod, init, regular);
  if (obs.terminating && phase !== "Succeeded" && phase !== "Failed") {
    const allOk = regular.every((s) => s.state?.terminated?.exitCode === 0);
    phase = regular.every((s) => s.state?.terminated) ? (allOk ? "Succeeded" : "Failed") : phase;
  }
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = regular.filter((s) => !s.ready).map((s) => s.name);
  const uninit = init.filter((s) => !s.ready).map((s) => s.name);
  const conds: PodCondition[] = [
    condition("PodReadyToStartContainers", obs.sandboxReady && !terminal),
    condition(
      "Initialized",
      uninit.length === 0 || (terminal && !hasInit),
      "ContainersNotInitialized",
      `containers with incomplete status: [${uninit.join(" ")}]`,
    ),
    terminal
      ? condition("Ready", false, "PodCompleted")
      : condition(
          "Ready",
          unready.length === 0,
          "ContainersNotReady",
          `containers with unready status: [${unready.join(" ")}]`,
        ),
    terminal
      ? condition("ContainersReady", false, "PodCompleted")
      : condition(
          "ContainersReady",
          unready.length === 0,
          "ContainersNotReady",
          `containers with unready status: [${unready.join(" ")}]`,
        ),
    condition("PodScheduled", true),
  ];
  const now = iso(obs.now);
  const oldConds = new Map((old.conditions ?? []).map((c) => [c.type, c]));
  for (const c of conds) {
    const prev = oldConds.get(c.type);
    c.lastTransitionTime =
      prev && prev.status === c.status ? (prev.lastTransitionTime ?? now) : now;
  }
  for (const c of old.conditions ?? []) if (!conds.some((x) => x.type === c.type)) conds.push(c);
  const status: PodStatus = {
    phase,
    conditions: conds,
    hostIP: obs.hostIP,
    hostIPs: [{ ip: obs.hostIP }],
    startTime: old.startTime ?? obs.startTime ?? now,
    containerStatuses: regular,
    qosClass: podQOS(pod),
  };
  const ips = obs.podIPs.length
    ? obs.podIPs
    : spec.hostNetwork
      ? [obs.hostIP]
      : (old.podIPs?.map((p) => p.ip) ?? []);
  if (ips.length) {
    status.podIP = ips[0];
    status.podIPs = ips.map((ip) => ({ ip }));
  }
  if (hasInit) status.initContainerStatuses = init;
  return status;
}

/**
 * The status of a pod the kubelet evicted under node pressure: phase
 * Failed, reason Evicted, the eviction message, and condition
 * DisruptionTarget (reason TerminationByKubelet) as upstream.
 */
export function evictedStatus(
  status: PodStatus,
  message: string,
  now: number,
  reason = "Evicted",
): PodStatus {
  const conditions = (status.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
  conditions.push({
    type: "DisruptionTarget",
    status: "True",
    reason: "TerminationByKubelet",
    message,
    lastTransitionTime: new Date(now).toISOString().replace(/\.\d+Z$/, "Z"),
  });
  return { ...status, phase: "Failed", reason, message, conditions };
}
