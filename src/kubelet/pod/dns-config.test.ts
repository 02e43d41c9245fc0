import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod, PodDNSConfig } from "kubernetes-types/core/v1.d.ts";
import { parseResolvConf, podDnsConfig } from "./dns-config.ts";

function pod(spec: { dnsPolicy?: string; hostNetwork?: boolean; dnsConfig?: PodDNSConfig }): Pod {
  return {
    metadata: { name: "p", namespace: "shop" },
    spec: { containers: [{ name: "c", image: "busybox" }], ...spec },
  } as Pod;
}

const host = parseResolvConf("# host\nnameserver 192.0.2.53\nsearch corp.example\noptions edns0\n");
const cluster = {
  servers: ["10.43.0.10"],
  searches: ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example"],
  options: ["ndots:5"],
};

test("dnsPolicy decides the pod's resolv.conf", () => {
  const opts = { clusterDNS: ["10.43.0.10"], host };
  const cases: { name: string; spec: Parameters<typeof pod>[0]; opts?: object; want: unknown }[] = [
    { name: "ClusterFirst (default)", spec: {}, want: cluster },
    { name: "ClusterFirst explicit", spec: { dnsPolicy: "ClusterFirst" }, want: cluster },
    { name: "host network falls back to Default", spec: { hostNetwork: true }, want: undefined },
    {
      name: "ClusterFirstWithHostNet",
      spec: { dnsPolicy: "ClusterFirstWithHostNet", hostNetwork: true },
      want: cluster,
    },
    { name: "Default", spec: { dnsPolicy: "Default" }, want: undefined },
    {
      name: "no --cluster-dns falls back to Default",
      spec: {},
      opts: { host },
      want: undefined,
    },
    {
      name: "None uses only dnsConfig",
      spec: {
        dnsPolicy: "None",
        dnsConfig: {
          nameservers: ["1.2.3.4"],
          searches: ["a.example"],
          options: [{ name: "ndots", value: "2" }],
        },
      },
      want: { servers: ["1.2.3.4"], searches: ["a.example"], options: ["ndots:2"] },
    },
    {
      name: "ClusterFirst with dnsConfig merges",
      spec: {
        dnsConfig: {
          nameservers: ["10.43.0.10", "1.2.3.4"],
          searches: ["cluster.local", "extra.example"],
          options: [{ name: "ndots", value: "2" }, { name: "edns0" }],
        },
      },
      want: {
        servers: ["10.43.0.10", "1.2.3.4"],
        searches: [...cluster.searches, "extra.example"],
        options: ["ndots:2", "edns0"],
      },
    },
    {
      name: "Default with dnsConfig starts from the host",
      spec: { dnsPolicy: "Default", dnsConfig: { searches: ["x.example"] } },
      want: {
        servers: ["192.0.2.53"],
        searches: ["corp.example", "x.example"],
        options: ["edns0"],
      },
    },
    {
      name: "custom cluster domain",
      spec: {},
      opts: { clusterDNS: ["10.96.0.10"], clusterDomain: "k8s.test." },
      want: {
        servers: ["10.96.0.10"],
        searches: ["shop.svc.k8s.test", "svc.k8s.test", "k8s.test"],
        options: ["ndots:5"],
      },
    },
  ];
  for (const c of cases)
    assert.deepEqual(podDnsConfig(pod(c.spec), (c.opts ?? opts) as never), c.want, c.name);
});

test("at most 3 nameservers", () => {
  const cfg = podDnsConfig(
    pod({
      dnsPolicy: "None",
      dnsConfig: { nameservers: ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] },
    }),
    {},
  );
  assert.deepEqual(cfg?.servers, ["1.1.1.1", "2.2.2.2", "3.3.3.3"]);
});

test("the host resolv.conf is read from --resolv-conf; empty or missing means none", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { readResolvConf } = await import("./dns-config.ts");
  const dir = mkdtempSync(join(tmpdir(), "k8ts-resolv-"));
  try {
    const file = join(dir, "resolv.conf");
    writeFileSync(file, "nameserver 192.0.2.1\nsearch a.example b.example\noptions rotate\n");
    assert.deepEqual(readResolvConf(file), {
      servers: ["192.0.2.1"],
      searches: ["a.example", "b.example"],
      options: ["rotate"],
    });
    assert.equal(readResolvConf(""), undefined);
    assert.equal(readResolvConf(join(dir, "missing")), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
