/**
 * Builds against the real iptables-restore (nft and legacy) in a private
 * network namespace: full builds in the most batches (one service port per
 * COMMIT), partial builds changing top-level chains rule by rule. After
 * each, the kernel's top-level chains hold the same rules as a full build
 * in one transaction, the catch-all rules stay last, and exactly the wanted
 * per-service chains exist (leftovers of an earlier proxy deleted).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { endpointsByServicePort } from "../endpoint-info.ts";
import { mustExec } from "../host-exec.ts";
import { servicePorts } from "../service-port.ts";
import { NetnsLab } from "../testing/netns-lab.ts";
import { makeService, makeSlice } from "../testing/builders.ts";
import { Iptables, jumpLine, jumps } from "./iptables.ts";
import { buildProxyRules, type ProxyRulesInput } from "./proxy-rules.ts";
import { RuleCache } from "./rule-cache.ts";

let lab: NetnsLab;

before(async () => {
  lab = new NetnsLab("10.42.214.0/24");
  await lab.create();
});

after(async () => {
  await lab?.destroy();
});

const names = ["a", "b", "c", "d"];
const stale = ["KUBE-SVC-AAAAAAAAAAAAAAAA", "KUBE-SEP-AAAAAAAAAAAAAAAA"];
const svc = (n: string, nodePort?: number) =>
  makeService(
    n,
    `10.43.0.${10 + names.indexOf(n)}`,
    nodePort
      ? {
          type: "NodePort",
          ports: [{ name: "http", port: 80, targetPort: 8080, nodePort, protocol: "TCP" }],
        }
      : {},
  );
const slice = (n: string, ips: string[]) =>
  makeSlice(
    n,
    ips.map((ip) => ({ ip })),
  );

/** The rules of the given chains in one table, sorted (order within is checked apart). */
async function chainRules(ipt: string, table: string, chains: string[]): Promise<string[]> {
  const text = await mustExec(lab.exec, `${ipt}-save`, ["-t", table]);
  return text
    .split("\n")
    .filter((l) => chains.some((c) => l.startsWith(`-A ${c} `)))
    .sort();
}

for (const backend of ["nft", "legacy"] as const) {
  test(`top-level diffs keep ${backend} tables equal to a full build`, async () => {
    const ipt = `iptables-${backend}`;
    const iptables = new Iptables(lab.exec, backend);
    assert.equal((await iptables.ensureJumps()).size, 0);
    // The save shows each jump as jumpLine renders it (so later syncs skip `-C`).
    const saved = (await mustExec(lab.exec, `${ipt}-save`, [])).split("\n");
    for (const j of jumps)
      assert.ok(saved.includes(jumpLine(j)), `${jumpLine(j)}\n${saved.join("\n")}`);
    const cache = new RuleCache();
    const sync = async (
      services: ReturnType<typeof svc>[],
      slices: ReturnType<typeof slice>[],
      changed?: string[],
    ) => {
      const input: ProxyRulesInput = {
        services: new Map(services.map((s) => [`default/${s.metadata!.name}`, servicePorts(s)])),
        endpoints: endpointsByServicePort(slices, "node1"),
        clusterCIDR: "10.42.0.0/16",
        serviceCIDR: "10.43.0.0/16",
        existingChains: changed ? new Set() : await iptables.serviceChains(),
      };
      const r = buildProxyRules({
        ...input,
        cache,
        // Full builds commit one service port per transaction (the most batches).
        batchSize: 1,
        changed: changed && new Set(changed.map((n) => `default/${n}`)),
      });
      if (r.restore) await iptables.restore(r.restore);
      return { r, full: buildProxyRules(input) };
    };
    const steps: {
      name: string;
      services: ReturnType<typeof svc>[];
      slices: ReturnType<typeof slice>[];
      changed?: string[];
      diff: boolean;
      /** Applied first: what an earlier proxy left behind. */
      leftover?: string;
    }[] = [
      {
        name: "first (full) sync",
        services: [svc("a"), svc("b", 30101)],
        slices: [slice("a", ["10.42.214.2"]), slice("b", ["10.42.214.3"])],
        diff: false,
      },
      {
        name: "services c (no endpoints) and d added",
        services: [svc("a"), svc("b", 30101), svc("c", 30102), svc("d")],
        slices: [
          slice("a", ["10.42.214.2"]),
          slice("b", ["10.42.214.3"]),
          slice("d", ["10.42.214.4"]),
        ],
        changed: ["c", "d"],
        diff: true,
      },
      {
        name: "b loses its endpoints, c gets one",
        services: [svc("a"), svc("b", 30101), svc("c", 30102), svc("d")],
        slices: [
          slice("a", ["10.42.214.2"]),
          slice("c", ["10.42.214.5"]),
          slice("d", ["10.42.214.4"]),
        ],
        changed: ["b", "c"],
        diff: true,
      },
      {
        name: "a and c deleted",
        services: [svc("b", 30101), svc("d")],
        slices: [slice("d", ["10.42.214.4"])],
        changed: ["a", "c"],
        diff: true,
      },
      {
        name: "full resync deletes chains an earlier proxy left, still referenced",
        services: [svc("b", 30101), svc("d")],
        slices: [slice("d", ["10.42.214.4"])],
        diff: false,
        leftover: [
          "*nat",
          `:${stale[0]} - [0:0]`,
          `:${stale[1]} - [0:0]`,
          `-A ${stale[1]} -p tcp -m tcp -j DNAT --to-destination 10.42.214.9:80`,
          `-A ${stale[0]} -j ${stale[1]}`,
          `-A KUBE-SERVICES -d 10.43.0.99/32 -p tcp -m tcp --dport 80 -j ${stale[0]}`,
          "COMMIT",
          "",
        ].join("\n"),
      },
    ];
    for (const s of steps) {
      if (s.leftover) await iptables.restore(s.leftover);
      const { r, full } = await sync(s.services, s.slices, s.changed);
      assert.equal(r.topLevelWritten, true, s.name);
      if (s.diff) {
        assert.ok(!/^:KUBE-SERVICES /m.test(r.restore), `${s.name}: KUBE-SERVICES not flushed`);
        assert.match(r.restore, /^-(I|D) KUBE-/m, s.name);
      }
      const want = (table: string, cs: string[]) =>
        full.restore
          .split("\nCOMMIT\n")
          .filter((t) => t.startsWith(`*${table}`) || t.includes(`\n*${table}`))
          .join("\n")
          .split("\n")
          .filter((l) => cs.some((c) => l.startsWith(`-A ${c} `)))
          .sort();
      const natChains = ["KUBE-SERVICES", "KUBE-NODEPORTS"];
      const filterChains = ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-PROXY-FIREWALL"];
      // iptables-save prints rules in its own canonical form (not our text):
      // compare rule counts per table and which services have rules.
      const gotNat = await chainRules(ipt, "nat", natChains);
      const gotFilter = await chainRules(ipt, "filter", filterChains);
      assert.equal(
        gotNat.length,
        want("nat", natChains).length,
        `${s.name}: nat rules\n${gotNat.join("\n")}`,
      );
      assert.equal(
        gotFilter.length,
        want("filter", filterChains).length,
        `${s.name}: filter rules\n${gotFilter.join("\n")}`,
      );
      for (const n of s.services.map((x) => x.metadata!.name!))
        assert.ok(
          [...gotNat, ...gotFilter].some((l) => l.includes(`default/${n}:http`)),
          `${s.name}: rules of ${n}`,
        );
      for (const gone of names.filter((n) => !s.services.some((x) => x.metadata!.name === n)))
        assert.ok(
          ![...gotNat, ...gotFilter].some((l) => l.includes(`default/${gone}:http`)),
          `${s.name}: no rules of ${gone}`,
        );
      const kernelChains = await iptables.serviceChains();
      for (const c of stale) assert.ok(!kernelChains.has(c), `${s.name}: ${c} deleted`);
      assert.deepEqual([...kernelChains].sort(), [...r.chains].sort(), `${s.name}: chains`);
      // The catch-alls stay last.
      const save = async (t: string) =>
        (await mustExec(lab.exec, `${ipt}-save`, ["-t", t])).split("\n");
      const natServices = (await save("nat")).filter((l) => l.startsWith("-A KUBE-SERVICES "));
      assert.match(natServices.at(-1)!, /-j KUBE-NODEPORTS$/, s.name);
      const filterServices = (await save("filter")).filter((l) =>
        l.startsWith("-A KUBE-SERVICES "),
      );
      assert.match(filterServices.at(-1)!, /no service at this cluster IP and port/, s.name);
    }
    await iptables.cleanup();
  });
}
