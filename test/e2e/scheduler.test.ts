/**
 * `k8ts scheduler` as a real process against a real `k8ts server`, driven by
 * real kubectl: Node objects are created directly (no kubelets), then the
 * notes' cases (taint, cordon, label + nodeSelector, required and preferred
 * node affinity, the control-plane taint) are checked through spec.nodeName
 * and the FailedScheduling text in `kubectl describe pod`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import https from "node:https";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  eventually as poll,
  onFreePort,
  startCluster,
  stopChild,
  untilOutput,
  type TestCluster,
} from "./harness.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let cluster: TestCluster;
let scheduler: ChildProcess;
let schedulerLog = "";
let metricsPort = 0;

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: "127.0.0.1", port: metricsPort, path, rejectUnauthorized: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** The harness's eventually, with the scheduler's log as context. */
const eventually = <T>(what: string, fn: () => Promise<T | undefined>) =>
  poll(what, fn, { context: () => `scheduler log:\n${schedulerLog.slice(-3000)}` });

const node = (name: string, labels: Record<string, string> = {}, taints: unknown[] = []) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name,
    labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", ...labels },
  },
  spec: { taints },
  status: {
    capacity: { cpu: "4", memory: "8Gi", pods: "110" },
    allocatable: { cpu: "4", memory: "8Gi", pods: "110" },
  },
});

async function createPod(name: string, spec: Record<string, unknown> = {}): Promise<void> {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
  };
  await cluster.kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(pod) });
}

async function nodeOf(pod: string): Promise<string> {
  return eventually(`pod ${pod} to be bound`, async () => {
    const out = (
      await cluster.kubectlOk(["get", "pod", pod, "-o", "jsonpath={.spec.nodeName}"])
    ).trim();
    return out || undefined;
  });
}

async function failedScheduling(pod: string, re: RegExp): Promise<string> {
  return eventually(`FailedScheduling for ${pod} matching ${re}`, async () => {
    const out = await cluster.kubectlOk(["describe", "pod", pod]);
    return /FailedScheduling/.test(out) && re.test(out.replace(/\n\s+/g, " ")) ? out : undefined;
  });
}

before(async () => {
  // The scheduler alone: no controller manager, whose node lifecycle controller
  // would taint these kubelet-less nodes unreachable after its grace period
  // (every pending pod would then fail on TaintToleration alone), and no
  // TaintNodesByCondition not-ready taint that only that controller lifts.
  cluster = await startCluster({
    args: [
      "--disable-scheduler",
      "--disable-controller-manager",
      "--disable-admission-plugins",
      "TaintNodesByCondition",
    ],
  });
  const nodes = [
    node("controlplane", { "node-role.kubernetes.io/control-plane": "" }, [
      { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
    ]),
    node("node01"),
    node("node02"),
    node("node03"),
  ];
  await cluster.kubectlOk(["apply", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: nodes }),
  });
  // --secure-port 0 turns the endpoint off (as upstream's): a free port, chosen again if taken.
  [scheduler, metricsPort] = await onFreePort(async (port) => {
    schedulerLog = "";
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, "bin", "k8ts"),
        "scheduler",
        "--kubeconfig",
        cluster.kubeconfig,
        "--leader-elect",
        "--secure-port",
        String(port),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (d: Buffer) => (schedulerLog += d));
    child.stderr?.on("data", (d: Buffer) => (schedulerLog += d));
    await untilOutput(child, () => schedulerLog, /"msg":"serving"/);
    return [child, port] as const;
  });
  await eventually("scheduler /healthz", async () =>
    (await get("/healthz").catch(() => ({ status: 0 }))).status === 200 ? true : undefined,
  );
});

after(async () => {
  await stopChild(scheduler);
  await cluster?.stop();
});

describe("kube-scheduler against a real API server", () => {
  test("nodeSelector after kubectl label node", async () => {
    await cluster.kubectlOk(["label", "node", "node01", "size=large"]);
    await createPod("large", { nodeSelector: { size: "large" } });
    assert.equal(await nodeOf("large"), "node01");
    // The Scheduled event is posted after the binding (fire-and-forget): it can trail it.
    const scheduled =
      /Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/large to node01/;
    await eventually("the Scheduled event", async () => {
      const out = await cluster.kubectlOk(["describe", "pod", "large"]);
      return scheduled.test(out) ? out : undefined;
    });
  });

  test("required node affinity size In [Large, Medium]", async () => {
    await cluster.kubectlOk(["label", "node", "node02", "size=Medium"]);
    await cluster.kubectlOk(["label", "node", "node03", "size=Small"]);
    await createPod("req-affinity", {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: "size", operator: "In", values: ["Large", "Medium"] }] },
            ],
          },
        },
      },
    });
    // Label values are case-sensitive: node01's "large" does not match "Large".
    assert.equal(await nodeOf("req-affinity"), "node02");
  });

  test("preferred node affinity follows the heavier weight", async () => {
    await createPod("pref-affinity", {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 1,
              preference: {
                matchExpressions: [{ key: "size", operator: "In", values: ["Medium"] }],
              },
            },
            {
              weight: 100,
              preference: {
                matchExpressions: [{ key: "size", operator: "In", values: ["Small"] }],
              },
            },
          ],
        },
      },
    });
    assert.equal(await nodeOf("pref-affinity"), "node03");
  });

  test("kubectl taint: only pods tolerating app=blue land on the tainted node", async () => {
    await cluster.kubectlOk(["taint", "nodes", "node01", "app=blue:NoSchedule"]);
    await createPod("tolerant", {
      nodeSelector: { size: "large" },
      tolerations: [{ key: "app", operator: "Equal", value: "blue", effect: "NoSchedule" }],
    });
    assert.equal(await nodeOf("tolerant"), "node01");
    await createPod("intolerant", { nodeSelector: { size: "large" } });
    await failedScheduling(
      "intolerant",
      /0\/4 nodes are available: 1 node\(s\) had untolerated taint \{app: blue\}, 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/4 nodes are available: 4 Preemption is not helpful for scheduling\./,
    );
    // The scheduler posts the event and patches the condition as two separate writes.
    await eventually("PodScheduled=False Unschedulable", async () => {
      const reason = await cluster.kubectlOk([
        "get",
        "pod",
        "intolerant",
        "-o",
        'jsonpath={.status.conditions[?(@.type=="PodScheduled")].reason}',
      ]);
      return reason === "Unschedulable" ? reason : undefined;
    });
    for (const i of [1, 2, 3]) await createPod(`plain-${i}`);
    for (const i of [1, 2, 3]) {
      const where = await nodeOf(`plain-${i}`);
      assert.ok(where !== "node01" && where !== "controlplane", `plain-${i} landed on ${where}`);
    }
  });

  test("a cordoned node receives nothing", async () => {
    await cluster.kubectlOk(["cordon", "node03"]);
    for (const i of [1, 2, 3, 4]) await createPod(`after-cordon-${i}`);
    for (const i of [1, 2, 3, 4]) assert.equal(await nodeOf(`after-cordon-${i}`), "node02");
    await createPod("wants-node03", { nodeSelector: { size: "Small" } });
    await failedScheduling("wants-node03", /1 node\(s\) were unschedulable/);
    await cluster.kubectlOk(["uncordon", "node03"]);
    assert.equal(
      await nodeOf("wants-node03"),
      "node03",
      "uncordoning re-activates the waiting pod",
    );
  });

  test("the control-plane taint keeps ordinary pods away", async () => {
    await createPod("on-cp", { nodeSelector: { "node-role.kubernetes.io/control-plane": "" } });
    await failedScheduling(
      "on-cp",
      // TaintToleration filters before NodeAffinity, so tainted node01 reports its taint.
      /0\/4 nodes are available: 1 node\(s\) had untolerated taint \{app: blue\}, 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 node\(s\) didn't match Pod's node affinity\/selector\./,
    );
    await createPod("on-cp-tolerating", {
      nodeSelector: { "node-role.kubernetes.io/control-plane": "" },
      tolerations: [
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      ],
    });
    assert.equal(await nodeOf("on-cp-tolerating"), "controlplane");
  });

  test("insufficient resources: upstream's message with the preemption part", async () => {
    await createPod("huge", {
      containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: "100" } } }],
    });
    await failedScheduling(
      "huge",
      /0\/4 nodes are available: 1 node\(s\) had untolerated taint \{app: blue\}, 1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}, 2 Insufficient cpu\. preemption: 0\/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling\./,
    );
  });

  test("pods for another scheduler are left alone", async () => {
    await createPod("other", { schedulerName: "other-scheduler" });
    // The informer delivers pods in order: once a later pod is bound, the
    // scheduler has seen (and passed over) "other".
    await createPod("after-other");
    await nodeOf("after-other");
    const out = await cluster.kubectlOk([
      "get",
      "pod",
      "other",
      "-o",
      "jsonpath={.spec.nodeName}|{.status.conditions}",
    ]);
    assert.equal(out, "|");
  });

  test("events are events.k8s.io/v1 as upstream's recorder writes them", async () => {
    const events = await eventually("a Scheduled event", async () => {
      const out = await cluster.kubectlOk(["get", "events.v1.events.k8s.io", "-o", "json"]);
      const items = (
        JSON.parse(out) as {
          items: {
            reason: string;
            action: string;
            reportingController: string;
            reportingInstance: string;
            regarding: { kind: string; name: string };
            note: string;
          }[];
        }
      ).items;
      return items.some((e) => e.reason === "Scheduled") ? items : undefined;
    });
    const scheduled = events.find((e) => e.reason === "Scheduled")!;
    assert.equal(scheduled.action, "Binding");
    assert.equal(scheduled.reportingController, "default-scheduler");
    assert.match(scheduled.reportingInstance, /^default-scheduler-/);
    assert.equal(scheduled.regarding.kind, "Pod");
    assert.match(scheduled.note, /^Successfully assigned default\/\S+ to \S+$/);
    const failed = events.find((e) => e.reason === "FailedScheduling")!;
    assert.equal(failed.action, "Scheduling");
  });

  test("/metrics and /healthz", async () => {
    assert.equal((await get("/healthz")).body, "ok");
    const metrics = (await get("/metrics")).body;
    assert.match(
      metrics,
      /scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} \d+/,
    );
    // The earlier tests bound pods (default-scheduler), left one unschedulable
    // for lack of cpu, and created pods (PodAdd into activeQ).
    const cases: [string, RegExp][] = [
      ["pending", /^scheduler_pending_pods\{queue="unschedulable"\} [1-9]\d*$/m],
      [
        "attempt latency",
        /^scheduler_scheduling_attempt_duration_seconds_count\{result="scheduled",profile="default-scheduler"\} [1-9]/m,
      ],
      ["algorithm latency", /^scheduler_scheduling_algorithm_duration_seconds_count [1-9]/m],
      [
        "bind latency",
        /^scheduler_framework_extension_point_duration_seconds_count\{extension_point="Bind",status="Success",profile="default-scheduler"\} [1-9]/m,
      ],
      ["SLI", /^scheduler_pod_scheduling_sli_duration_seconds_count\{attempts="1"\} [1-9]/m],
      ["attempts per pod", /^scheduler_pod_scheduling_attempts_count [1-9]/m],
      ["incoming", /^scheduler_queue_incoming_pods_total\{queue="active",event="PodAdd"\} [1-9]/m],
      // Upstream's semantics: each waiting pod counts once for every plugin
      // that rejected its last attempt. intolerant and on-cp: TaintToleration
      // (node01, controlplane) + NodeAffinity (node02, node03); huge:
      // TaintToleration + NodeResourcesFit. "other" is another scheduler's.
      [
        "unschedulable per plugin: TaintToleration",
        /^scheduler_unschedulable_pods\{plugin="TaintToleration",profile="default-scheduler"\} 3$/m,
      ],
      [
        "unschedulable per plugin: NodeAffinity",
        /^scheduler_unschedulable_pods\{plugin="NodeAffinity",profile="default-scheduler"\} 2$/m,
      ],
      [
        "unschedulable per plugin: NodeResourcesFit",
        /^scheduler_unschedulable_pods\{plugin="NodeResourcesFit",profile="default-scheduler"\} 1$/m,
      ],
      ["cache nodes", /^scheduler_scheduler_cache_size\{type="nodes"\} 4$/m],
      ["preemption", /^scheduler_preemption_attempts_total [1-9]/m],
    ];
    const perPlugin = (text: string) =>
      text
        .split("\n")
        .filter((l) => l.startsWith("scheduler_unschedulable_pods{") && !l.endsWith(" 0"));
    // The unschedulable pods may still be in backoffQ, and a pod whose last
    // attempt met the cordoned node still counts NodeUnschedulable until its
    // retry after the uncordon: wait until every count settles.
    const settled =
      (await eventually("scheduler metrics", async () => {
        const text = (await get("/metrics")).body;
        return cases.every(([, re]) => re.test(text)) && perPlugin(text).length === 3
          ? text
          : undefined;
      }).catch(() => undefined)) ?? (await get("/metrics")).body;
    for (const [name, re] of cases) assert.match(settled, re, name);
    assert.equal(
      perPlugin(settled).length,
      3,
      `no other plugin counts: ${perPlugin(settled).join("; ")}`,
    );
    const lease = await cluster.kubectlOk([
      "get",
      "lease",
      "-n",
      "kube-system",
      "kube-scheduler",
      "-o",
      "jsonpath={.spec.holderIdentity}",
    ]);
    assert.match(lease, /^scheduler-\d+$/);
  });
});
