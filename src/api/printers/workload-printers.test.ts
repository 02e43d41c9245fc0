import { test } from "node:test";
import assert from "node:assert/strict";
import {
  controllerRevisionPrinter,
  cronJobPrinter,
  daemonSetPrinter,
  deploymentPrinter,
  jobPrinter,
  podTemplatePrinter,
  replicaSetPrinter,
  replicationControllerPrinter,
  statefulSetPrinter,
} from "./workload-printers.ts";
import { DAY, HOUR, MIN, SEC, ago, headers, meta, rowOf } from "./testing.ts";

const template = {
  metadata: { labels: { app: "web", tier: "front" } },
  spec: {
    containers: [
      { name: "nginx", image: "nginx:1.25" },
      { name: "side", image: "busybox" },
    ],
  },
};
const CONTAINERS = "nginx,side";
const IMAGES = "nginx:1.25,busybox";

test("deployments: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR", () => {
  assert.deepEqual(headers(deploymentPrinter), [
    "Name:0",
    "Ready:0",
    "Up-to-date:0",
    "Available:0",
    "Age:0",
    "Containers:1",
    "Images:1",
    "Selector:1",
  ]);
  const d = {
    metadata: meta("web", 2 * DAY + 3 * HOUR),
    spec: {
      replicas: 3,
      selector: {
        matchLabels: { app: "web" },
        matchExpressions: [{ key: "tier", operator: "In", values: ["front", "back"] }],
      },
      template,
    },
    status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  };
  assert.deepEqual(rowOf(deploymentPrinter, d), [
    "web",
    "2/3",
    3,
    2,
    "2d3h",
    CONTAINERS,
    IMAGES,
    "app=web,tier in (back,front)",
  ]);
  const empty = { metadata: meta("x"), spec: { template: { spec: { containers: [] } } } };
  assert.deepEqual(rowOf(deploymentPrinter, empty), ["x", "0/1", 0, 0, "5m", "", "", ""]);
  const bad = { metadata: meta("y"), spec: { selector: { matchLabels: { "a b": "c" } } } };
  assert.equal(rowOf(deploymentPrinter, bad)[7], "<invalid>");
});

test("replicasets and replicationcontrollers: DESIRED CURRENT READY", () => {
  const expected = [
    "Name:0",
    "Desired:0",
    "Current:0",
    "Ready:0",
    "Age:0",
    "Containers:1",
    "Images:1",
    "Selector:1",
  ];
  assert.deepEqual(headers(replicaSetPrinter), expected);
  assert.deepEqual(headers(replicationControllerPrinter), expected);
  assert.equal(replicaSetPrinter.columns[1]!.type, "integer");
  const rs = {
    metadata: meta("web-5d4f"),
    spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template },
    status: { replicas: 2, readyReplicas: 1 },
  };
  assert.deepEqual(rowOf(replicaSetPrinter, rs), [
    "web-5d4f",
    2,
    2,
    1,
    "5m",
    CONTAINERS,
    IMAGES,
    "app=web",
  ]);
  const rc = {
    metadata: meta("old"),
    spec: { replicas: 0, selector: { b: "2", a: "1" }, template },
  };
  assert.deepEqual(rowOf(replicationControllerPrinter, rc), [
    "old",
    0,
    0,
    0,
    "5m",
    CONTAINERS,
    IMAGES,
    "a=1,b=2",
  ]);
});

test("statefulsets and daemonsets", () => {
  assert.deepEqual(headers(statefulSetPrinter), [
    "Name:0",
    "Ready:0",
    "Age:0",
    "Containers:1",
    "Images:1",
  ]);
  const sts = {
    metadata: meta("db"),
    spec: { replicas: 3, template },
    status: { readyReplicas: 3 },
  };
  assert.deepEqual(rowOf(statefulSetPrinter, sts), ["db", "3/3", "5m", CONTAINERS, IMAGES]);

  assert.deepEqual(headers(daemonSetPrinter), [
    "Name:0",
    "Desired:0",
    "Current:0",
    "Ready:0",
    "Up-to-date:0",
    "Available:0",
    "Node Selector:0",
    "Age:0",
    "Containers:1",
    "Images:1",
    "Selector:1",
  ]);
  const ds = {
    metadata: meta("agent"),
    spec: {
      selector: { matchLabels: { app: "agent" } },
      template: {
        ...template,
        spec: { ...template.spec, nodeSelector: { "kubernetes.io/os": "linux" } },
      },
    },
    status: {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
    },
  };
  assert.deepEqual(rowOf(daemonSetPrinter, ds), [
    "agent",
    3,
    3,
    2,
    3,
    2,
    "kubernetes.io/os=linux",
    "5m",
    CONTAINERS,
    IMAGES,
    "app=agent",
  ]);
  const noSel = { metadata: meta("x"), spec: { template: { spec: { containers: [] } } } };
  assert.equal(rowOf(daemonSetPrinter, noSel)[6], "<none>");
});

test("jobs: STATUS COMPLETIONS DURATION", () => {
  assert.deepEqual(headers(jobPrinter), [
    "Name:0",
    "Status:0",
    "Completions:0",
    "Duration:0",
    "Age:0",
    "Containers:1",
    "Images:1",
    "Selector:1",
  ]);
  const base = {
    spec: {
      completions: 1,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u1" } },
      template,
    },
  };
  const cases: [string, Record<string, unknown>, unknown[]][] = [
    [
      "complete",
      {
        status: {
          succeeded: 1,
          startTime: ago(10 * MIN),
          completionTime: ago(10 * MIN - 12 * SEC),
          conditions: [{ type: "Complete", status: "True" }],
        },
      },
      ["Complete", "1/1", "12s"],
    ],
    ["running", { status: { startTime: ago(3 * MIN), active: 1 } }, ["Running", "0/1", "3m"]],
    ["not started", { status: {} }, ["Running", "0/1", ""]],
    [
      "failed",
      {
        status: {
          failed: 1,
          startTime: ago(5 * MIN),
          conditions: [
            { type: "FailureTarget", status: "True" },
            { type: "Failed", status: "True" },
          ],
        },
      },
      ["Failed", "0/1", "5m"],
    ],
    [
      "suspended",
      { status: { conditions: [{ type: "Suspended", status: "True" }] } },
      ["Suspended", "0/1", ""],
    ],
    [
      "failure target",
      { status: { conditions: [{ type: "FailureTarget", status: "True" }] } },
      ["FailureTarget", "0/1", ""],
    ],
    [
      "terminating",
      { metadata: meta("j", 5 * MIN, { deletionTimestamp: ago(0) }), status: {} },
      ["Terminating", "0/1", ""],
    ],
    [
      "a False Complete condition does not count",
      { status: { conditions: [{ type: "Complete", status: "False" }] } },
      ["Running", "0/1", ""],
    ],
  ];
  for (const [name, patch, want] of cases) {
    const job = { metadata: meta("j"), ...base, ...patch };
    const row = rowOf(jobPrinter, job);
    assert.deepEqual(row.slice(1, 4), want, name);
    assert.deepEqual(row.slice(4), [
      "5m",
      CONTAINERS,
      IMAGES,
      "batch.kubernetes.io/controller-uid=u1",
    ]);
  }
  const parallel = {
    metadata: meta("p"),
    spec: { parallelism: 3, template },
    status: { succeeded: 1 },
  };
  assert.equal(rowOf(jobPrinter, parallel)[2], "1/1 of 3");
  const single = { metadata: meta("s"), spec: { parallelism: 1, template }, status: {} };
  assert.equal(rowOf(jobPrinter, single)[2], "0/1");
});

test("cronjobs: SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE", () => {
  assert.deepEqual(headers(cronJobPrinter), [
    "Name:0",
    "Schedule:0",
    "Timezone:0",
    "Suspend:0",
    "Active:0",
    "Last Schedule:0",
    "Age:0",
    "Containers:1",
    "Images:1",
    "Selector:1",
  ]);
  const cj = {
    metadata: meta("hello", 3 * HOUR),
    spec: { schedule: "*/1 * * * *", suspend: false, jobTemplate: { spec: { template } } },
    status: { active: [{ name: "hello-1" }], lastScheduleTime: ago(40 * SEC) },
  };
  assert.deepEqual(rowOf(cronJobPrinter, cj), [
    "hello",
    "*/1 * * * *",
    "<none>",
    "False",
    1,
    "40s",
    "3h",
    CONTAINERS,
    IMAGES,
    "<none>",
  ]);
  const tz = {
    metadata: meta("t"),
    spec: { schedule: "0 0 * * *", timeZone: "Etc/UTC", suspend: true },
  };
  assert.deepEqual(rowOf(cronJobPrinter, tz).slice(1, 6), [
    "0 0 * * *",
    "Etc/UTC",
    "True",
    0,
    "<none>",
  ]);
  const unset = { metadata: meta("u"), spec: { schedule: "@daily" } };
  assert.equal(rowOf(cronJobPrinter, unset)[3], "<unset>");
});

test("controllerrevisions and podtemplates", () => {
  assert.deepEqual(headers(controllerRevisionPrinter), [
    "Name:0",
    "Controller:0",
    "Revision:0",
    "Age:0",
  ]);
  const owned = {
    metadata: meta("agent-6b9", 5 * MIN, {
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "u", controller: true },
      ],
    }),
    revision: 2,
  };
  assert.deepEqual(rowOf(controllerRevisionPrinter, owned), [
    "agent-6b9",
    "daemonset.apps/agent",
    2,
    "5m",
  ]);
  const core = {
    metadata: meta("r", 5 * MIN, {
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "p", uid: "u", controller: true }],
    }),
    revision: 1,
  };
  assert.equal(rowOf(controllerRevisionPrinter, core)[1], "pod/p");
  assert.equal(rowOf(controllerRevisionPrinter, { metadata: meta("n"), revision: 1 })[1], "<none>");

  assert.deepEqual(headers(podTemplatePrinter), [
    "Name:0",
    "Containers:0",
    "Images:0",
    "Pod Labels:0",
  ]);
  assert.deepEqual(rowOf(podTemplatePrinter, { metadata: meta("pt"), template }), [
    "pt",
    CONTAINERS,
    IMAGES,
    "app=web,tier=front",
  ]);
});
