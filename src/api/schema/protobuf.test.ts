import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../status.ts";
import type { KObject } from "../types.ts";
import { appsV1 } from "./defs/apps-v1.ts";
import { coreV1 } from "./defs/core-v1.ts";
import { metaV1, runtimeTypes } from "./defs/meta-v1.ts";
import {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  readProtobufEnvelope,
} from "./protobuf.ts";
import { decodeMessage } from "./protobuf-decode.ts";
import { encodeMessage } from "./protobuf-encode.ts";
import { SchemaRegistry } from "./schema-registry.ts";

const registry = new SchemaRegistry([metaV1, runtimeTypes, coreV1, appsV1]);

const pod: KObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "web",
    namespace: "default",
    uid: "0b8e-11",
    creationTimestamp: "2024-05-01T10:20:30Z",
    labels: { app: "web", tier: "" },
    ownerReferences: [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: "web-1",
        uid: "u1",
        controller: true,
        blockOwnerDeletion: false,
      },
    ],
  },
  spec: {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 0,
    containers: [
      {
        name: "app",
        image: "busybox",
        command: ["/bin/sh", "-c", "sleep 3600"],
        ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
        env: [
          { name: "A", value: "1" },
          { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        ],
        resources: { limits: { cpu: "500m", memory: "128Mi" }, requests: { cpu: "100m" } },
        livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
        readinessProbe: { tcpSocket: { port: 8080 }, failureThreshold: 2 },
        volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg", readOnly: true }],
        securityContext: { runAsUser: 0, privileged: false },
      },
    ],
    volumes: [
      { name: "cfg", configMap: { name: "web-config", defaultMode: 420 } },
      { name: "scratch", emptyDir: { sizeLimit: "1Gi" } },
    ],
    tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 }],
    securityContext: { supplementalGroups: [1000, 2000], fsGroup: 0 },
  },
  status: {
    phase: "Running",
    startTime: "2024-05-01T10:20:31Z",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2024-05-01T10:20:40Z" }],
    containerStatuses: [
      {
        name: "app",
        ready: true,
        restartCount: 0,
        image: "busybox",
        imageID: "sha256:abc",
        state: { running: { startedAt: "2024-05-01T10:20:35Z" } },
      },
    ],
  },
};

const roundTrips: [string, KObject][] = [
  [
    "Namespace",
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "team-a" },
      spec: { finalizers: ["kubernetes"] },
    },
  ],
  [
    "ConfigMap",
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cfg", namespace: "default", annotations: { note: "x" } },
      data: { "a.txt": "hello", empty: "" },
      binaryData: { "b.bin": Buffer.from([0, 1, 2, 255]).toString("base64") },
    },
  ],
  [
    "Secret",
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s", namespace: "default" },
      type: "Opaque",
      immutable: false,
      data: {
        password: Buffer.from("hunter2").toString("base64"),
        bin: Buffer.from([0xde, 0xad]).toString("base64"),
      },
    },
  ],
  ["Pod", pod],
  [
    "Deployment",
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "default", generation: 3 },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 1 } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "app", image: "nginx" }] },
        },
      },
    },
  ],
  [
    "Service",
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "default" },
      spec: {
        type: "NodePort",
        selector: { app: "web" },
        ports: [{ port: 80, targetPort: "http", nodePort: 30080, protocol: "TCP" }],
        clusterIPs: ["10.43.0.10"],
      },
    },
  ],
  [
    "Event",
    {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web", namespace: "default" },
      reason: "Started",
      eventTime: "2024-05-01T10:20:35.123456Z",
      count: 2,
      reportingComponent: "",
    },
  ],
];

test("encode then decode returns the same object", () => {
  for (const [name, obj] of roundTrips) {
    const bytes = encodeKubernetesProtobuf(obj, registry);
    assert.deepEqual(decodeKubernetesProtobuf(bytes, registry), obj, name);
    const env = readProtobufEnvelope(bytes);
    assert.equal(env.kind, obj.kind, name);
    assert.equal(env.apiVersion, obj.apiVersion, name);
  }
});

/** A length-delimited field written by hand: tag byte, one-byte length, payload. */
function ld(tagByte: number, payload: number[] | string): number[] {
  const bytes = typeof payload === "string" ? [...Buffer.from(payload)] : payload;
  assert.ok(bytes.length < 128);
  return [tagByte, bytes.length, ...bytes];
}

test("decodes a hand-assembled ConfigMap as Go writes it", () => {
  const objectMeta = [...ld(0x0a, "cm1"), ...ld(0x12, ""), ...ld(0x1a, "default"), 0x38, 0x00];
  const entry = [...ld(0x0a, "a"), ...ld(0x12, "b")];
  const configMap = [...ld(0x0a, objectMeta), ...ld(0x12, entry), 0x20, 0x01];
  const typeMeta = [...ld(0x0a, "v1"), ...ld(0x12, "ConfigMap")];
  const unknown = [...ld(0x0a, typeMeta), ...ld(0x12, configMap), ...ld(0x1a, ""), ...ld(0x22, "")];
  const body = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
  assert.deepEqual(decodeKubernetesProtobuf(body, registry), {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cm1", namespace: "default" },
    data: { a: "b" },
    immutable: true,
  });
});

test("decodes packed and unpacked repeated scalars, negative ints and int64", () => {
  const sc = "io.k8s.api.core.v1.PodSecurityContext";
  const cases: [number[], Record<string, unknown>][] = [
    [[0x22, 0x04, 0x01, 0x02, 0xac, 0x02], { supplementalGroups: [1, 2, 300] }],
    [[0x20, 0x05, 0x20, 0x06], { supplementalGroups: [5, 6] }],
    [[0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], { runAsUser: -1 }],
    [[0x28, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], { fsGroup: 2 ** 35 }],
  ];
  for (const [bytes, want] of cases) {
    assert.deepEqual(
      decodeMessage(registry, sc, Uint8Array.from(bytes)),
      want,
      JSON.stringify(want),
    );
  }
});

test("special types decode to their JSON forms", () => {
  const time = (seconds: number, nanos: number) => [
    0x08,
    ...varint(seconds),
    0x10,
    ...varint(nanos),
  ];
  // ContainerStateTerminated: startedAt (5) set, finishedAt (6) Go's zero time (empty message).
  const terminated = [0x08, 0x01, ...ld(0x2a, time(1714558835, 999)), ...ld(0x32, [])];
  assert.deepEqual(
    decodeMessage(
      registry,
      "io.k8s.api.core.v1.ContainerStateTerminated",
      Uint8Array.from(terminated),
    ),
    {
      exitCode: 1,
      startedAt: "2024-05-01T10:20:35Z",
    },
  );
  // HTTPGetAction.port: IntOrString string form; TCPSocketAction.port int form.
  const http = ld(0x12, [0x08, 0x01, 0x10, 0x00, ...ld(0x1a, "http")]);
  assert.deepEqual(
    decodeMessage(registry, "io.k8s.api.core.v1.HTTPGetAction", Uint8Array.from(http)),
    {
      port: "http",
    },
  );
  const rolling = [
    ...ld(0x0a, [0x08, 0x00, 0x10, 0x00, ...ld(0x1a, "")]),
    ...ld(0x12, [0x08, 0x00, 0x10, 0x01]),
  ];
  assert.deepEqual(
    decodeMessage(registry, "io.k8s.api.apps.v1.RollingUpdateDeployment", Uint8Array.from(rolling)),
    {
      maxUnavailable: 0,
      maxSurge: 1,
    },
  );
  const tcp = ld(0x0a, [0x08, 0x00, 0x10, 0x50, ...ld(0x1a, "")]);
  assert.deepEqual(
    decodeMessage(registry, "io.k8s.api.core.v1.TCPSocketAction", Uint8Array.from(tcp)),
    { port: 80 },
  );
  // ControllerRevision.data: RawExtension holding JSON.
  const rev = ld(0x12, ld(0x0a, '{"spec":{"x":1}}'));
  assert.deepEqual(
    decodeMessage(registry, "io.k8s.api.apps.v1.ControllerRevision", Uint8Array.from(rev)),
    {
      data: { spec: { x: 1 } },
    },
  );
});

test("a RawExtension holding a protobuf envelope decodes to the embedded object", () => {
  const inner = encodeKubernetesProtobuf(roundTrips[1]![1], registry);
  const revision = [
    ...lenDelim(0x0a, ld(0x0a, "rev-1")),
    ...lenDelim(0x12, lenDelim(0x0a, [...inner])),
    0x18,
    0x02,
  ];
  const typeMeta = [...ld(0x0a, "apps/v1"), ...ld(0x12, "ControllerRevision")];
  const body = Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...ld(0x0a, typeMeta),
    ...lenDelim(0x12, revision),
  ]);
  assert.deepEqual(decodeKubernetesProtobuf(body, registry), {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: { name: "rev-1" },
    data: roundTrips[1]![1],
    revision: 2,
  });
});

test("wrapped lists (metav1.Verbs) nest their items in a message", () => {
  const t = "io.k8s.apimachinery.pkg.apis.meta.v1.APIResource";
  const obj = {
    name: "pods",
    singularName: "pod",
    namespaced: true,
    kind: "Pod",
    verbs: ["get", "list"],
  };
  const bytes = encodeMessage(registry, t, obj);
  assert.deepEqual(decodeMessage(registry, t, bytes), obj);
  const verbsField = [0x22, 0x0b, ...ld(0x0a, "get"), ...ld(0x0a, "list")];
  assert.ok(Buffer.from(bytes).includes(Buffer.from(verbsField)), "verbs are wrapped in a message");
});

test("malformed or mismatched bodies are 400 BadRequest", () => {
  const good = encodeKubernetesProtobuf(roundTrips[1]![1], registry);
  const typeMeta = (apiVersion: string, kind: string) =>
    ld(0x0a, [...ld(0x0a, apiVersion), ...ld(0x12, kind)]);
  const env = (...parts: number[][]) => Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...parts.flat()]);
  const cases: [string, Uint8Array, RegExp][] = [
    ["no magic", Uint8Array.from([0x7b, 0x7d]), /magic/],
    ["truncated", good.subarray(0, good.length - 3), /malformed|truncated|overruns/],
    [
      "unregistered kind",
      env(typeMeta("v1", "Bogus"), ld(0x12, [])),
      /no kind "Bogus" is registered for version "v1"/,
    ],
    ["missing kind", env(ld(0x12, [])), /Kind' is missing/],
    [
      "unknown field",
      env(typeMeta("v1", "ConfigMap"), ld(0x12, [0xf8, 0x07, 0x01])),
      /unknown field number 127/,
    ],
    [
      "wrong wire type",
      env(typeMeta("v1", "ConfigMap"), ld(0x12, [0x08, 0x01])),
      /metadata: wire type 0/,
    ],
    [
      "bad utf-8",
      env(typeMeta("v1", "Namespace"), ld(0x12, ld(0x0a, ld(0x0a, [0xff, 0xfe])))),
      /UTF-8/,
    ],
    [
      "encoding",
      env(typeMeta("v1", "ConfigMap"), ld(0x12, []), ld(0x1a, "gzip")),
      /content encoding/,
    ],
    [
      "time out of range",
      env(typeMeta("v1", "Namespace"), ld(0x12, ld(0x0a, ld(0x42, [0x08, ...varint(2 ** 40)])))),
      /metadata\.creationTimestamp: Time .* outside years 0001-9999/,
    ],
    [
      "deep nesting",
      env(typeMeta("apps/v1", "ControllerRevision"), nestedRawExtensions(12)),
      /embedded deeper/,
    ],
  ];
  for (const [name, body, message] of cases) {
    assert.throws(
      () => decodeKubernetesProtobuf(body, registry),
      (err: unknown) => err instanceof StatusError && err.code === 400 && message.test(err.message),
      name,
    );
  }
});

test("unknown fields can be ignored on request", () => {
  const typeMeta = ld(0x0a, [...ld(0x0a, "v1"), ...ld(0x12, "ConfigMap")]);
  const body = Uint8Array.from([
    0x6b,
    0x38,
    0x73,
    0x00,
    ...typeMeta,
    ...ld(0x12, [0xf8, 0x07, 0x01, ...ld(0x12, ld(0x0a, "k"))]),
  ]);
  assert.deepEqual(decodeKubernetesProtobuf(body, registry, { unknownFields: "ignore" }), {
    apiVersion: "v1",
    kind: "ConfigMap",
    data: { k: "" },
  });
});

test("encoding rejects fields the schema does not know", () => {
  const bad: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" }, bogus: 1 };
  assert.throws(() => encodeKubernetesProtobuf(bad, registry), /unknown field "bogus"/);
  const typo: KObject = {
    apiVersion: "v1",
    kind: "Pod",
    spec: { containers: [{ name: "a", imagee: "x" }] },
  };
  assert.throws(
    () => encodeKubernetesProtobuf(typo, registry),
    /spec\.containers\[0\]: unknown field "imagee"/,
  );
});

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** A ControllerRevision whose data holds an envelope of a ControllerRevision, `levels` deep. */
function nestedRawExtensions(levels: number): number[] {
  let raw: number[] = [];
  for (let i = 0; i < levels; i++) {
    const typeMeta = [...ld(0x0a, "apps/v1"), ...ld(0x12, "ControllerRevision")];
    const body = [0x6b, 0x38, 0x73, 0x00, ...lenDelim(0x0a, typeMeta), ...lenDelim(0x12, raw)];
    raw = lenDelim(0x12, lenDelim(0x0a, body));
  }
  return lenDelim(0x12, raw);
}

/** Like ld, with a multi-byte length. */
function lenDelim(tagByte: number, payload: number[]): number[] {
  return [tagByte, ...varint(payload.length), ...payload];
}
