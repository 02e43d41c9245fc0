import { test } from "node:test";
import assert from "node:assert/strict";
import {
  componentStatusPrinter,
  configMapPrinter,
  endpointsPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from "./core-printers.ts";
import { DAY, headers, meta, rowOf } from "./testing.ts";

test("services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR", () => {
  assert.deepEqual(headers(servicePrinter), [
    "Name:0",
    "Type:0",
    "Cluster-IP:0",
    "External-IP:0",
    "Port(s):0",
    "Age:0",
    "Selector:1",
  ]);
  const svc = (
    name: string,
    spec: Record<string, unknown>,
    status: Record<string, unknown> = {},
  ) => ({
    metadata: meta(name),
    spec,
    status,
  });
  const cases: [string, unknown, unknown[]][] = [
    [
      "cluster ip",
      svc("kubernetes", {
        type: "ClusterIP",
        clusterIP: "10.43.0.1",
        clusterIPs: ["10.43.0.1"],
        ports: [{ port: 443, protocol: "TCP" }],
      }),
      ["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP", "5m", "<none>"],
    ],
    [
      "node port with selector and two ports",
      svc("web", {
        type: "NodePort",
        clusterIPs: ["10.43.7.7"],
        selector: { app: "web" },
        ports: [
          { port: 80, nodePort: 30080, protocol: "TCP" },
          { port: 53, protocol: "UDP" },
        ],
      }),
      ["web", "NodePort", "10.43.7.7", "<none>", "80:30080/TCP,53/UDP", "5m", "app=web"],
    ],
    [
      "load balancer pending",
      svc("lb", {
        type: "LoadBalancer",
        clusterIPs: ["10.43.1.1"],
        ports: [{ port: 80, nodePort: 31000 }],
      }),
      ["lb", "LoadBalancer", "10.43.1.1", "<pending>", "80:31000/TCP", "5m", "<none>"],
    ],
    [
      "load balancer with ingress and external IPs",
      svc(
        "lb2",
        { type: "LoadBalancer", clusterIPs: ["10.43.1.2"], externalIPs: ["1.2.3.4"], ports: [] },
        {
          loadBalancer: {
            ingress: [{ ip: "192.168.1.9" }, { hostname: "lb.example.com" }, { ip: "192.168.1.9" }],
          },
        },
      ),
      [
        "lb2",
        "LoadBalancer",
        "10.43.1.2",
        "192.168.1.9,lb.example.com,1.2.3.4",
        "<none>",
        "5m",
        "<none>",
      ],
    ],
    [
      "external name",
      svc("ext", { type: "ExternalName", externalName: "db.example.com" }),
      ["ext", "ExternalName", "<none>", "db.example.com", "<none>", "5m", "<none>"],
    ],
    [
      "headless with external IPs",
      svc("hl", {
        type: "ClusterIP",
        clusterIP: "None",
        externalIPs: ["5.6.7.8", "5.6.7.9"],
        ports: [{ port: 5432 }],
      }),
      ["hl", "ClusterIP", "None", "5.6.7.8,5.6.7.9", "5432/TCP", "5m", "<none>"],
    ],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(rowOf(servicePrinter, obj), want, name);
});

test("endpoints list up to three addresses", () => {
  assert.deepEqual(headers(endpointsPrinter), ["Name:0", "Endpoints:0", "Age:0"]);
  const cases: [string, unknown, string][] = [
    ["none", {}, "<none>"],
    ["empty subset", { subsets: [{}] }, ""],
    [
      "with ports",
      {
        subsets: [
          { addresses: [{ ip: "10.42.0.5" }, { ip: "10.42.0.6" }], ports: [{ port: 8080 }] },
        ],
      },
      "10.42.0.5:8080,10.42.0.6:8080",
    ],
    ["headless without ports", { subsets: [{ addresses: [{ ip: "10.42.0.5" }] }] }, "10.42.0.5"],
    [
      "ipv6",
      { subsets: [{ addresses: [{ ip: "fd00::1" }], ports: [{ port: 80 }] }] },
      "[fd00::1]:80",
    ],
    [
      "more than three",
      {
        subsets: [
          {
            addresses: [{ ip: "10.0.0.1" }, { ip: "10.0.0.2" }, { ip: "10.0.0.3" }],
            ports: [{ port: 80 }, { port: 443 }],
          },
        ],
      },
      "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...",
    ],
  ];
  for (const [name, extra, want] of cases) {
    assert.deepEqual(
      rowOf(endpointsPrinter, { metadata: meta("e"), ...(extra as object) }),
      ["e", want, "5m"],
      name,
    );
  }
});

test("namespaces: NAME STATUS AGE", () => {
  assert.deepEqual(headers(namespacePrinter), ["Name:0", "Status:0", "Age:0"]);
  const ns = { metadata: meta("kube-system", 45 * DAY), status: { phase: "Active" } };
  assert.deepEqual(rowOf(namespacePrinter, ns), ["kube-system", "Active", "45d"]);
  const gone = { metadata: meta("old"), status: { phase: "Terminating" } };
  assert.equal(rowOf(namespacePrinter, gone)[1], "Terminating");
});

test("nodes: STATUS with SchedulingDisabled, ROLES from labels, wide system info", () => {
  assert.deepEqual(headers(nodePrinter), [
    "Name:0",
    "Status:0",
    "Roles:0",
    "Age:0",
    "Version:0",
    "Internal-IP:1",
    "External-IP:1",
    "OS-Image:1",
    "Kernel-Version:1",
    "Container-Runtime:1",
  ]);
  const node = {
    metadata: meta("n1", 2 * 365 * DAY + 10 * DAY, {
      labels: {
        "node-role.kubernetes.io/control-plane": "",
        "node-role.kubernetes.io/master": "true",
        "node-role.kubernetes.io/": "",
        "kubernetes.io/role": "etcd",
        "kubernetes.io/hostname": "n1",
      },
    }),
    spec: { unschedulable: true },
    status: {
      conditions: [
        { type: "MemoryPressure", status: "False" },
        { type: "Ready", status: "True" },
      ],
      addresses: [
        { type: "Hostname", address: "n1" },
        { type: "InternalIP", address: "192.168.0.10" },
      ],
      nodeInfo: {
        kubeletVersion: "v1.32.0",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        kernelVersion: "6.1.0",
        containerRuntimeVersion: "containerd://1.6.20",
      },
    },
  };
  assert.deepEqual(rowOf(nodePrinter, node), [
    "n1",
    "Ready,SchedulingDisabled",
    "control-plane,etcd,master",
    "2y10d",
    "v1.32.0",
    "192.168.0.10",
    "<none>",
    "Debian GNU/Linux 12 (bookworm)",
    "6.1.0",
    "containerd://1.6.20",
  ]);
  const statusOf = (conditions: unknown[]) =>
    rowOf(nodePrinter, { metadata: meta("n"), status: { conditions } })[1];
  assert.equal(statusOf([{ type: "Ready", status: "False" }]), "NotReady");
  assert.equal(statusOf([{ type: "Ready", status: "Unknown" }]), "NotReady");
  assert.equal(statusOf([]), "Unknown");
  assert.deepEqual(rowOf(nodePrinter, { metadata: meta("bare") }).slice(2), [
    "<none>",
    "5m",
    "",
    "<none>",
    "<none>",
    "<unknown>",
    "<unknown>",
    "<unknown>",
  ]);
});

test("secrets, configmaps, serviceaccounts count their entries", () => {
  assert.deepEqual(headers(secretPrinter), ["Name:0", "Type:0", "Data:0", "Age:0"]);
  const secret = { metadata: meta("s"), type: "Opaque", data: { a: "YQ==", b: "Yg==" } };
  assert.deepEqual(rowOf(secretPrinter, secret), ["s", "Opaque", 2, "5m"]);
  assert.deepEqual(headers(configMapPrinter), ["Name:0", "Data:0", "Age:0"]);
  const cm = { metadata: meta("cm"), data: { a: "1" }, binaryData: { b: "AA==" } };
  assert.deepEqual(rowOf(configMapPrinter, cm), ["cm", 2, "5m"]);
  assert.deepEqual(rowOf(configMapPrinter, { metadata: meta("e") }), ["e", 0, "5m"]);
  assert.deepEqual(headers(serviceAccountPrinter), ["Name:0", "Secrets:0", "Age:0"]);
  assert.deepEqual(rowOf(serviceAccountPrinter, { metadata: meta("default") }), [
    "default",
    0,
    "5m",
  ]);
});

test("componentstatuses: STATUS MESSAGE ERROR", () => {
  assert.deepEqual(headers(componentStatusPrinter), ["Name:0", "Status:0", "Message:0", "Error:0"]);
  const ok = {
    metadata: { name: "etcd-0" },
    conditions: [{ type: "Healthy", status: "True", message: "ok" }],
  };
  assert.deepEqual(rowOf(componentStatusPrinter, ok), ["etcd-0", "Healthy", "ok", ""]);
  const bad = {
    metadata: { name: "scheduler" },
    conditions: [{ type: "Healthy", status: "False", error: "connection refused" }],
  };
  assert.deepEqual(rowOf(componentStatusPrinter, bad), [
    "scheduler",
    "Unhealthy",
    "",
    "connection refused",
  ]);
  assert.equal(rowOf(componentStatusPrinter, { metadata: { name: "x" } })[1], "Unknown");
});
