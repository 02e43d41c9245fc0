/**
 * The proxier end to end in a private network namespace: a node namespace
 * with a pod bridge, pod namespaces running busybox httpd, and the real
 * iptables-restore. Traffic goes only to addresses inside these namespaces.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Proxier } from "./proxier.ts";
import { NetnsLab, type LabPod } from "./testing/netns-lab.ts";
import { makeService, makeSlice } from "./testing/builders.ts";
import { mustExec } from "./host-exec.ts";

let lab: NetnsLab;
let proxier: Proxier;
let web1: LabPod;
let web2: LabPod;

before(async () => {
  lab = new NetnsLab("10.42.9.0/24");
  await lab.create();
  web1 = await lab.addPod("web1");
  web2 = await lab.addPod("web2");
  await lab.serveHttp(web1);
  await lab.serveHttp(web2);
  proxier = new Proxier({
    exec: lab.exec,
    nodeName: "node1",
    clusterCIDR: "10.42.0.0/16",
    serviceCIDR: "10.43.0.0/16",
    minSyncPeriodMs: 0,
    syncPeriodMs: 0,
  });
});

after(async () => {
  proxier?.stop();
  await lab?.destroy();
});

async function sync(full = false) {
  const res = await proxier.sync(full);
  assert.ok(res.ok, res.error);
  return res;
}

test("ClusterIP and NodePort reach the backends from the node and from a pod", async () => {
  proxier.onServiceAdd(
    makeService("web", "10.43.0.20", {
      type: "NodePort",
      ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080, protocol: "TCP" }],
    }),
  );
  proxier.onEndpointSliceAdd(makeSlice("web", [{ ip: web1.ip }, { ip: web2.ip }]));
  const first = await sync();
  assert.equal(first.full, true);
  const seen = new Set<string>();
  for (let i = 0; i < 16; i++) {
    const r = await lab.get(lab.nodeNetns, "http://10.43.0.20/");
    assert.equal(r.code, 0, `curl exit ${r.code}`);
    seen.add(r.body);
  }
  assert.deepEqual([...seen].sort(), ["web1", "web2"], "random balancing uses both endpoints");
  for (const url of ["http://127.0.0.1:30080/", `http://${lab.gateway}:30080/`]) {
    const r = await lab.get(lab.nodeNetns, url);
    assert.equal(r.code, 0, `${url}: curl exit ${r.code}`);
    assert.match(r.body, /^web[12]$/);
  }
  // From a pod, including hairpin traffic back to itself.
  for (let i = 0; i < 4; i++) {
    const r = await lab.get(web1.netns, "http://10.43.0.20/");
    assert.equal(r.code, 0, `pod curl exit ${r.code}`);
  }
});

test("a service without endpoints rejects; an unused ClusterIP stays unreachable", async () => {
  proxier.onServiceAdd(
    makeService("empty", "10.43.0.21", {
      type: "NodePort",
      ports: [{ name: "http", port: 80, nodePort: 30081, protocol: "TCP" }],
    }),
  );
  await sync();
  const rules = await mustExec(
    lab.exec,
    `iptables${proxier.iptables!.backend === "default" ? "" : "-" + proxier.iptables!.backend}-save`,
    ["-t", "filter"],
  );
  const reject = rules.split("\n").filter((l) => l.includes("default/empty:http has no endpoints"));
  assert.ok(
    reject.some((l) => l.includes("-d 10.43.0.21/32") && l.includes("-j REJECT")),
    reject.join("\n"),
  );
  assert.ok(
    reject.some((l) => l.includes("--dport 30081") && l.includes("-j REJECT")),
    reject.join("\n"),
  );
  assert.equal((await lab.get(lab.nodeNetns, "http://10.43.0.21/")).code, 7, "connection refused");
  assert.equal((await lab.get(lab.nodeNetns, "http://127.0.0.1:30081/")).code, 7);
  assert.equal((await lab.get(web1.netns, "http://10.43.0.21/")).code, 7);
  // No service at all at this address: refused locally, not sent anywhere.
  assert.equal((await lab.get(lab.nodeNetns, "http://10.43.0.99/")).code, 7);
  assert.equal((await lab.get(web1.netns, "http://10.43.0.99/")).code, 7);
});

test("ClientIP session affinity sticks to one endpoint", async () => {
  proxier.onServiceAdd(makeService("sticky", "10.43.0.22", { sessionAffinity: "ClientIP" }));
  proxier.onEndpointSliceAdd(makeSlice("sticky", [{ ip: web1.ip }, { ip: web2.ip }]));
  const res = await sync();
  assert.equal(res.full, false, "a change after the first sync is partial");
  assert.equal(res.servicesWritten, 1);
  const seen = new Set<string>();
  for (let i = 0; i < 12; i++) seen.add((await lab.get(lab.nodeNetns, "http://10.43.0.22/")).body);
  assert.equal(seen.size, 1, `saw ${[...seen]}`);
});

test("endpoint changes and deletes are applied; stale chains are removed", async () => {
  proxier.onEndpointSliceUpdate(undefined, makeSlice("web", [{ ip: web2.ip }]));
  await sync();
  for (let i = 0; i < 6; i++)
    assert.equal((await lab.get(lab.nodeNetns, "http://10.43.0.20/")).body, "web2");
  const before = await proxier.iptables!.serviceChains();
  proxier.onServiceDelete(makeService("web", "10.43.0.20"));
  proxier.onServiceDelete(makeService("sticky", "10.43.0.22"));
  await sync();
  const afterChains = await proxier.iptables!.serviceChains();
  assert.ok(before.size > afterChains.size, `${before.size} -> ${afterChains.size}`);
  assert.equal(afterChains.size, 0, [...afterChains].join(","));
  assert.equal((await lab.get(lab.nodeNetns, "http://10.43.0.20/")).code, 7);
  const routes = await proxier.routes.routed();
  assert.deepEqual([...routes], ["10.43.0.21"]);
});
