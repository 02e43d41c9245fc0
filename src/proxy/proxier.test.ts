/**
 * The proxier end to end in a private network namespace: a node namespace
 * with a pod bridge, pod namespaces running busybox httpd, and the real
 * iptables-restore. Traffic goes only to addresses inside these namespaces.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Proxier } from "./proxier.ts";
import { NetnsLab, type LabPod } from "./testing/netns-lab.ts";
import { makeService, makeSlice } from "./testing/builders.ts";
import { mustExec } from "./host-exec.ts";
import { ServiceHealthServer } from "./service-health-server.ts";

let lab: NetnsLab;
let proxier: Proxier;
let web1: LabPod;
let web2: LabPod;
let health: ServiceHealthServer;

before(async () => {
  lab = new NetnsLab("10.42.9.0/24");
  await lab.create();
  web1 = await lab.addPod("web1");
  web2 = await lab.addPod("web2");
  await lab.serveHttp(web1);
  await lab.serveHttp(web2);
  health = new ServiceHealthServer({ host: "127.0.0.1", proxyHealthy: () => true });
  proxier = new Proxier({
    serviceHealth: health,
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
  await health?.close();
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
  const res = await sync();
  assert.equal(res.topLevelWritten, false, "an endpoint change rewrites only the service's chains");
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

test("loadBalancerSourceRanges admit only listed sources; the health check port follows local endpoints", async () => {
  // Off the pod subnet, so pods send it to their gateway (the node namespace).
  const lbIP = "10.42.8.250";
  const hcPort = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
  const svc = makeService(
    "guarded",
    "10.43.0.23",
    {
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      healthCheckNodePort: hcPort,
      loadBalancerSourceRanges: [`${web2.ip}/32`],
      ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 30083, protocol: "TCP" }],
    },
    [lbIP],
  );
  proxier.onServiceAdd(svc);
  proxier.onEndpointSliceAdd(makeSlice("guarded", [{ ip: web1.ip }, { ip: web2.ip }]));
  await sync();
  const allowed = await lab.get(web2.netns, `http://${lbIP}/`);
  assert.equal(allowed.code, 0, `allowed source: curl exit ${allowed.code}`);
  assert.match(allowed.body, /^web[12]$/);
  // Not DNATed: dropped by KUBE-PROXY-FIREWALL (or refused by the unreachable route).
  assert.notEqual((await lab.get(web1.netns, `http://${lbIP}/`)).code, 0, "other sources");
  const filter = await mustExec(
    lab.exec,
    `iptables${proxier.iptables!.backend === "default" ? "" : "-" + proxier.iptables!.backend}-save`,
    ["-t", "filter"],
  );
  assert.ok(
    filter
      .split("\n")
      .some(
        (l) =>
          l.startsWith("-A KUBE-PROXY-FIREWALL") &&
          l.includes(`-d ${lbIP}/32`) &&
          l.endsWith("-j DROP"),
      ),
    filter,
  );
  // NodePorts are not subject to the source ranges (as upstream).
  assert.equal((await lab.get(web1.netns, `http://${lab.gateway}:30083/`)).code, 0);
  const check = async () => {
    const res = await fetch(`http://127.0.0.1:${hcPort}/healthz`);
    return { status: res.status, body: (await res.json()) as { localEndpoints: number } };
  };
  assert.deepEqual(await check(), {
    status: 200,
    body: {
      service: { namespace: "default", name: "guarded" },
      localEndpoints: 2,
      serviceProxyHealthy: true,
    },
  } as never);
  proxier.onEndpointSliceUpdate(
    undefined,
    makeSlice("guarded", [
      { ip: web1.ip, nodeName: "node2" },
      { ip: web2.ip, nodeName: "node2" },
    ]),
  );
  await sync();
  const none = await check();
  assert.equal(none.status, 503);
  assert.equal(none.body.localEndpoints, 0);
  proxier.onServiceDelete(svc);
  await sync();
  await assert.rejects(check(), "the health check port closes with its service");
});

test("a UDP flow pinned to a removed endpoint is deleted from conntrack", async () => {
  // Needs the conntrack tool (conntrack-tools; .ci/run installs it).
  assert.equal((await lab.exec("conntrack", ["--version"])).code, 0, "conntrack is installed");
  const svc = makeService("dns", "10.43.0.30", {
    ports: [{ name: "dns", port: 53, targetPort: 5353, protocol: "UDP" }],
  });
  const slice = (ip: string) => ({
    ...makeSlice("dns", [{ ip }], 5353, "dns"),
    ports: [{ name: "dns", port: 5353, protocol: "UDP" as const }],
  });
  proxier.onServiceAdd(svc);
  proxier.onEndpointSliceAdd(slice(web1.ip));
  await sync();
  // No listener needed: the first packet creates the (unreplied) DNATed flow.
  await lab.exec("bash", ["-c", "echo q > /dev/udp/10.43.0.30/53"]);
  const flows = async () =>
    (await lab.exec("conntrack", ["-L", "-p", "udp", "--orig-dst", "10.43.0.30"])).stdout;
  assert.match(await flows(), new RegExp(`src=${web1.ip.replace(/\./g, "\\.")} `));
  proxier.onEndpointSliceUpdate(undefined, slice(web2.ip));
  await sync();
  assert.doesNotMatch(await flows(), new RegExp(`src=${web1.ip.replace(/\./g, "\\.")} `));
  proxier.onServiceDelete(svc);
  await sync();
});
