/** The objects bench/request-cost.ts writes: the requests SchedulingBasic's server serves per pod. */
import type { KObject } from "../../src/api/types.ts";

/** A pod as bench:scheduler creates them. */
export function benchPod(name: string): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "perf" } },
    spec: {
      containers: [
        {
          name: "pause",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: "100m", memory: "500Mi" } },
        },
      ],
    },
  };
}

/** An events.k8s.io/v1 Event as the scheduler writes for a bound pod. */
export function scheduledEvent(name: string, node: string): KObject {
  return {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: { name, namespace: "default" },
    eventTime: microTime(),
    reportingController: "default-scheduler",
    reportingInstance: "default-scheduler-bench",
    action: "Binding",
    reason: "Scheduled",
    regarding: { apiVersion: "v1", kind: "Pod", namespace: "default", name: "perf-pod" },
    note: `Successfully assigned default/perf-pod to ${node}`,
    type: "Normal",
  };
}

/** RFC 3339 with microseconds, as a Lease's renewTime. */
export function microTime(): string {
  return new Date().toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** RFC 3339 in seconds, as a pod's startTime and conditions. */
export function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}
