/**
 * Two nodes, each a network namespace with its own pod bridge and a pod
 * running httpd, joined by a veth: the route syncers make each node's pods
 * reach the other's, and removing a node removes its route (the cluster
 * CIDR's unreachable route then answers again).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Node } from "kubernetes-types/core/v1.d.ts";
import { desiredPodRoutes, RouteSyncer } from "./route-syncer.ts";
import { NetnsLab, type LabPod } from "./testing/netns-lab.ts";
import { hostExec, mustExec } from "./host-exec.ts";

const node = (name: string, ip: string, podCIDR?: string): Node => ({
  metadata: { name },
  spec: { podCIDR },
  status: { addresses: [{ type: "InternalIP", address: ip }] },
});

test("desiredPodRoutes: other nodes with a podCIDR and an IPv4 InternalIP", () => {
  const nodes = [
    node("a", "10.99.0.1", "10.42.1.0/24"),
    node("b", "10.99.0.2", "10.42.2.0/24"),
    node("c", "10.99.0.3"),
    node("d", "10.99.0.1", "10.42.4.0/24"),
    node("e", "fd00::5", "10.42.5.0/24"),
  ];
  assert.deepEqual([...desiredPodRoutes(nodes, "a")], [["10.42.2.0/24", "10.99.0.2"]]);
  assert.deepEqual(
    [...desiredPodRoutes(nodes, "b")],
    [
      ["10.42.1.0/24", "10.99.0.1"],
      ["10.42.4.0/24", "10.99.0.1"],
    ],
  );
});

let a: NetnsLab;
let b: NetnsLab;
let podA: LabPod;
let podB: LabPod;

before(async () => {
  a = new NetnsLab("10.42.21.0/24");
  b = new NetnsLab("10.42.22.0/24");
  await a.create();
  await b.create();
  podA = await a.addPod("pod-a");
  podB = await b.addPod("pod-b");
  await a.serveHttp(podA);
  await b.serveHttp(podB);
  const host = hostExec();
  await mustExec(host, "ip", [
    "-n",
    a.nodeNetns,
    "link",
    "add",
    "eth1",
    "type",
    "veth",
    "peer",
    "name",
    "eth1",
    "netns",
    b.nodeNetns,
  ]);
  for (const [lab, ip] of [
    [a, "10.99.0.1/24"],
    [b, "10.99.0.2/24"],
  ] as const) {
    await mustExec(lab.exec, "ip", ["addr", "add", ip, "dev", "eth1"]);
    await mustExec(lab.exec, "ip", ["link", "set", "eth1", "up"]);
  }
});

after(async () => {
  await a?.destroy();
  await b?.destroy();
});

test("pods on two nodes reach each other through the synced routes", async () => {
  const nodes = [node("node-a", "10.99.0.1", a.podCIDR), node("node-b", "10.99.0.2", b.podCIDR)];
  const syncers = [
    new RouteSyncer({ exec: a.exec, nodeName: "node-a", minSyncPeriodMs: 0 }),
    new RouteSyncer({ exec: b.exec, nodeName: "node-b", minSyncPeriodMs: 0 }),
  ];
  assert.notEqual((await a.get(podA.netns, `http://${podB.ip}:8080/`)).code, 0, "no route before");
  for (const s of syncers) for (const n of nodes) s.onNode(n);
  for (const s of syncers) await s.whenIdle();
  assert.deepEqual([...(await syncers[0]!.current())], [[b.podCIDR, "10.99.0.2"]]);
  const ab = await a.get(podA.netns, `http://${podB.ip}:8080/`);
  assert.equal(ab.code, 0);
  assert.equal(ab.body, "pod-b");
  const ba = await b.get(podB.netns, `http://${podA.ip}:8080/`);
  assert.equal(ba.body, "pod-a");
  syncers[0]!.onNodeDelete(nodes[1]!);
  await syncers[0]!.whenIdle();
  assert.equal((await syncers[0]!.current()).size, 0);
  const routes = await mustExec(a.exec, "ip", ["route", "show", "type", "unreachable"]);
  assert.match(routes, /10\.42\.0\.0\/16/);
  assert.equal((await a.get(podA.netns, `http://${podB.ip}:8080/`)).code, 7, "unreachable again");
  for (const s of syncers) s.stop();
});
