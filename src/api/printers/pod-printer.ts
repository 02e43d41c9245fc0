/**
 * The pods table (NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE
 * READINESS GATES) with upstream v1.32's STATUS derivation: init progress
 * ("Init:0/2", "Init:CrashLoopBackOff"), container waiting/terminated reasons
 * (ContainerCreating, CrashLoopBackOff, Completed, Error, OOMKilled ...),
 * "Terminating", "Unknown" for pods on lost nodes, "SchedulingGated".
 */
import type { Container, ContainerStatus, Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../types.ts";
import { humanDuration, parseTimestamp } from "../duration.ts";
import {
  ageColumn,
  ageOf,
  column,
  nameColumn,
  nameOf,
  wide,
  type RowPrinter,
  type TableRowCondition,
} from "./format.ts";

/** The STATUS, READY and RESTARTS cells of a pod, derived as upstream's printPod. */
export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

const isRestartableInit = (c: Container | undefined) => c?.restartPolicy === "Always";

function latest(current: number | undefined, status: ContainerStatus): number | undefined {
  const finished = parseTimestamp(status.lastState?.terminated?.finishedAt);
  if (finished === undefined) return current;
  return current === undefined || current < finished ? finished : current;
}

/** Derives READY, STATUS and RESTARTS for a pod at `now`. */
export function summarizePod(pod: Pod, now: Date): PodSummary {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const conditions = status.conditions ?? [];
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  let reason = status.reason || status.phase || "";
  if (conditions.some((c) => c.type === "PodScheduled" && c.reason === "SchedulingGated")) {
    reason = "SchedulingGated";
  }

  const initContainers = new Map<string, Container>();
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    restarts += c.restartCount ?? 0;
    lastRestart = latest(lastRestart, c);
    const restartable = isRestartableInit(initContainers.get(c.name));
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = latest(lastRestartableInitRestart, c);
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && (terminated.exitCode ?? 0) === 0) continue;
    if (restartable && c.started) {
      if (c.ready) readyContainers++;
      continue;
    }
    if (terminated) {
      if (!terminated.reason) {
        reason = terminated.signal
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode ?? 0}`;
      } else {
        reason = `Init:${terminated.reason}`;
      }
    } else if (waiting?.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  const initialized = conditions.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      restarts += c.restartCount ?? 0;
      lastRestart = latest(lastRestart, c);
      const terminated = c.state?.terminated;
      if (c.state?.waiting?.reason) {
        reason = c.state.waiting.reason;
      } else if (terminated?.reason) {
        reason = terminated.reason;
      } else if (terminated) {
        reason = terminated.signal
          ? `Signal:${terminated.signal}`
          : `ExitCode:${terminated.exitCode ?? 0}`;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const podReady = conditions.some((c) => c.type === "Ready" && c.status === "True");
      reason = podReady ? "Running" : "NotReady";
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status.reason === "NodeLost") reason = "Unknown";
    else if (status.phase !== "Failed" && status.phase !== "Succeeded") reason = "Terminating";
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return {
    ready: `${readyContainers}/${totalContainers}`,
    status: reason,
    restarts: restartsCell,
  };
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return "<none>";
  const conditions = pod.status?.conditions ?? [];
  let trueCount = 0;
  for (const gate of gates) {
    const cond = conditions.find((c) => c.type === gate.conditionType);
    if (cond?.status === "True") trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

/** Upstream's printer for core/v1 pods. */
export const podPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "string", "The aggregate status of the containers in this pod."),
    column(
      "Restarts",
      "string",
      "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.",
    ),
    ageColumn(),
    wide("IP", "IP address allocated to the pod."),
    wide("Node", "The node the pod is scheduled onto."),
    wide("Nominated Node", "The node the scheduler nominated for this pod while preempting."),
    wide("Readiness Gates", "Pod conditions that must be true for the pod to be ready."),
  ],
  row(obj: KObject, now: Date): unknown[] {
    const pod = obj as Pod;
    const summary = summarizePod(pod, now);
    const podIP = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || "<none>";
    return [
      nameOf(obj),
      summary.ready,
      summary.status,
      summary.restarts,
      ageOf(obj, now),
      podIP,
      pod.spec?.nodeName || "<none>",
      pod.status?.nominatedNodeName || "<none>",
      readinessGates(pod),
    ];
  },
  rowConditions(obj: KObject): TableRowCondition[] | undefined {
    const phase = (obj as Pod).status?.phase;
    if (phase === "Succeeded") {
      return [
        {
          type: "Completed",
          status: "True",
          reason: "Succeeded",
          message: "The pod has completed successfully.",
        },
      ];
    }
    if (phase === "Failed") {
      return [{ type: "Completed", status: "True", reason: "Failed", message: "The pod failed." }];
    }
    return undefined;
  },
};
