import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { containerEnv, EnvError, expandVars, type ObjectSource } from "./env.ts";

const source: ObjectSource = {
  configMap: async (_ns, name) => (name === "cm" ? { A: "1", B: "2" } : undefined),
  secret: async (_ns, name) => (name === "sec" ? { password: "s3cret" } : undefined),
};
const facts = {
  hostIP: "127.0.0.1",
  podIPs: ["10.42.1.5"],
  allocatable: { cpuMilli: 2000, memory: 4 << 30, ephemeralStorage: 1 << 30 },
};

test("expandVars", () => {
  const env = new Map([["X", "x"]]);
  const cases: [string, string][] = [
    ["$(X)-y", "x-y"],
    ["$(NOPE)", "$(NOPE)"],
    ["$$(X)", "$(X)"],
    ["plain", "plain"],
  ];
  for (const [input, want] of cases) assert.equal(expandVars(input, env), want, input);
});

test("containerEnv resolves every source in order", async () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "ns", uid: "u", labels: { app: "web" } },
    spec: {
      nodeName: "n1",
      containers: [
        {
          name: "c",
          resources: { limits: { memory: "64Mi" }, requests: { cpu: "250m" } },
          envFrom: [{ configMapRef: { name: "cm" }, prefix: "CM_" }],
          env: [
            { name: "V", value: "v-$(CM_A)" },
            { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
            { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
            {
              name: "MEM",
              valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } },
            },
            {
              name: "CPU_REQ",
              valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } },
            },
            { name: "CPU_LIM", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
            { name: "PW", valueFrom: { secretKeyRef: { name: "sec", key: "password" } } },
            {
              name: "OPT",
              valueFrom: { configMapKeyRef: { name: "missing", key: "k", optional: true } },
            },
          ],
        },
      ],
    },
  };
  const env = Object.fromEntries(
    (await containerEnv(pod, pod.spec!.containers[0], source, facts)).map((e) => [e.key, e.value]),
  );
  assert.deepEqual(env, {
    CM_A: "1",
    CM_B: "2",
    V: "v-1",
    NAME: "p",
    APP: "web",
    NODE: "n1",
    IP: "10.42.1.5",
    MEM: "64",
    CPU_REQ: "250",
    CPU_LIM: "2",
    PW: "s3cret",
    OPT: "",
  });
});

test("containerEnv fails on a missing required reference", async () => {
  const cases = [
    {
      env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }],
      msg: /secret "nope" not found/,
    },
    {
      env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "Z" } } }],
      msg: /couldn't find key Z/,
    },
  ];
  for (const c of cases) {
    const pod: Pod = {
      metadata: { name: "p", namespace: "ns" },
      spec: { containers: [{ name: "c", env: c.env }] },
    };
    await assert.rejects(
      containerEnv(pod, pod.spec!.containers[0], source, facts),
      (e: unknown) => e instanceof EnvError && c.msg.test(e.message),
    );
  }
});
