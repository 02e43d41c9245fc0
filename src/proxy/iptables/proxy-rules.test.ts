import { test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { endpointsByServicePort } from "../endpoint-info.ts";
import { servicePorts } from "../service-port.ts";
import { makeService, makeSlice } from "../testing/builders.ts";
import { buildProxyRules, type ProxyRulesInput } from "./proxy-rules.ts";
import { RuleCache } from "./rule-cache.ts";
import { servicePortChain } from "./chain-names.ts";

type Tables = Map<string, Map<string, string[]>>;

/** The chains kube-proxy's jumps create before any restore (ensureJumps). */
function freshTables(): Tables {
  return new Map([
    [
      "nat",
      new Map(
        ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"].map((c) => [
          c,
          [],
        ]),
      ),
    ],
    [
      "filter",
      new Map(
        [
          "KUBE-SERVICES",
          "KUBE-EXTERNAL-SERVICES",
          "KUBE-FORWARD",
          "KUBE-NODEPORTS",
          "KUBE-PROXY-FIREWALL",
        ].map((c) => [c, []]),
      ),
    ],
  ]);
}

const target = (rule: string) => / -j (KUBE-[A-Z0-9-]+)/.exec(rule)?.[1];

/**
 * Applies a restore input to a model of the tables the way iptables-restore
 * --noflush does, one COMMIT at a time, failing on what the kernel would
 * refuse (a jump to a missing chain, deleting a missing rule, deleting a
 * chain still holding rules or still referenced). Returns how many COMMITs ran.
 */
function apply(tables: Tables, restore: string): number {
  let commits = 0;
  let t: Map<string, string[]> | undefined;
  for (const line of restore.split("\n")) {
    if (!line) continue;
    if (line.startsWith("*")) t = tables.get(line.slice(1));
    else if (line === "COMMIT") commits++;
    else if (line.startsWith(":")) t!.set(line.slice(1).split(" ")[0]!, []);
    else {
      const [op, chain, ...rest] = line.split(" ");
      const rules = t!.get(chain!);
      assert.ok(rules, `${line}: no chain ${chain}`);
      if (op === "-X") {
        assert.equal(rules.length, 0, `${line}: chain not empty`);
        for (const [c, rs] of t!)
          assert.ok(!rs.some((r) => target(r) === chain), `${line}: still referenced from ${c}`);
        t!.delete(chain!);
        continue;
      }
      const rule = (op === "-I" ? rest.slice(1) : rest).join(" ");
      const to = target(rule);
      assert.ok(!to || t!.has(to), `${line}: jump to missing ${to}`);
      if (op === "-A") rules.push(rule);
      else if (op === "-I") rules.unshift(rule);
      else {
        const i = rules.indexOf(rule);
        assert.ok(i >= 0, `${line}: no such rule`);
        rules.splice(i, 1);
      }
    }
  }
  return commits;
}

/** Each chain's rules, sorted (order is checked apart where it matters). */
const normalized = (tables: Tables) =>
  [...tables].map(([n, t]) => [n, [...t].map(([c, rs]) => [c, [...rs].sort()]).sort()]);

const names = ["a", "b", "c", "d", "e"];
const svc = (n: string, nodePort?: number): Service =>
  makeService(
    n,
    `10.43.0.${10 + names.indexOf(n)}`,
    nodePort
      ? { type: "NodePort", ports: [{ name: "http", port: 80, targetPort: 8080, nodePort }] }
      : {},
  );
const slice = (n: string, count: number): EndpointSlice =>
  makeSlice(
    n,
    Array.from({ length: count }, (_, i) => ({ ip: `10.42.${names.indexOf(n)}.${10 + i}` })),
  );

function input(
  services: Service[],
  slices: EndpointSlice[],
  extra: Partial<ProxyRulesInput> = {},
): ProxyRulesInput {
  return {
    services: new Map(services.map((s) => [`default/${s.metadata!.name}`, servicePorts(s)])),
    endpoints: endpointsByServicePort(slices, "node1"),
    clusterCIDR: "10.42.0.0/16",
    serviceCIDR: "10.43.0.0/16",
    existingChains: new Set(),
    ...extra,
  };
}

test("a batched full build commits consistent states and ends where one transaction does", () => {
  const services = [svc("a"), svc("b", 30101), svc("c"), svc("d", 30102), svc("e")];
  const slices = [slice("a", 2), slice("b", 1), slice("d", 3), slice("e", 1)];
  const stale = ["KUBE-SVC-AAAAAAAAAAAAAAAA", "KUBE-SEP-AAAAAAAAAAAAAAAA"];
  const cases: { name: string; batchSize?: number; transactions: number }[] = [
    { name: "one transaction per table", transactions: 2 },
    // 3 batches of ports (2+2+1), filter, top level, stale flush, stale delete.
    { name: "two ports per batch", batchSize: 2, transactions: 7 },
    { name: "one batch", batchSize: 100, transactions: 5 },
  ];
  let reference: unknown;
  for (const c of cases) {
    const tables = freshTables();
    // A stale service chain jumping to a stale endpoint chain, referenced from KUBE-SERVICES.
    apply(
      tables,
      `*nat\n:${stale[0]} - [0:0]\n:${stale[1]} - [0:0]\n-A ${stale[1]} -j DNAT --to-destination 10.42.9.9:80\n-A ${stale[0]} -j ${stale[1]}\n-A KUBE-SERVICES -d 10.43.0.99/32 -j ${stale[0]}\nCOMMIT\n`,
    );
    const r = buildProxyRules(
      input(services, slices, { existingChains: new Set(stale), batchSize: c.batchSize }),
    );
    assert.equal(r.transactions, c.transactions, c.name);
    assert.equal(apply(tables, r.restore), c.transactions, c.name);
    const nat = tables.get("nat")!;
    for (const s of stale) assert.ok(!nat.has(s), `${c.name}: ${s} deleted`);
    assert.equal(
      [...nat.values()].reduce((n, rs) => n + rs.length, 0),
      r.natRules,
      `${c.name}: natRules`,
    );
    assert.match(nat.get("KUBE-SERVICES")!.at(-1)!, /-j KUBE-NODEPORTS$/, c.name);
    assert.equal(r.written, 5);
    reference ??= normalized(tables);
    assert.deepEqual(normalized(tables), reference, `${c.name}: same tables as one transaction`);
  }
});

test("partial builds touch only changed services and leave the tables a full build would", () => {
  const steps: {
    name: string;
    services: Service[];
    slices: EndpointSlice[];
    changed: string[];
    top: boolean;
    filter: boolean;
  }[] = [
    {
      name: "an endpoint added to a",
      services: [svc("a"), svc("b", 30101), svc("c")],
      slices: [slice("a", 3), slice("b", 1)],
      changed: ["a"],
      top: false,
      filter: false,
    },
    {
      name: "c gets endpoints (filter reject goes, nat jump comes), d added without",
      services: [svc("a"), svc("b", 30101), svc("c"), svc("d", 30102)],
      slices: [slice("a", 3), slice("b", 1), slice("c", 2)],
      changed: ["c", "d"],
      top: true,
      filter: true,
    },
    {
      name: "b deleted, a loses an endpoint",
      services: [svc("a"), svc("c"), svc("d", 30102)],
      slices: [slice("a", 2), slice("c", 2)],
      changed: ["a", "b"],
      top: true,
      filter: false,
    },
  ];
  const tables = freshTables();
  const cache = new RuleCache();
  const first = buildProxyRules(
    input([svc("a"), svc("b", 30101), svc("c")], [slice("a", 2), slice("b", 1)], { cache }),
  );
  apply(tables, first.restore);
  assert.equal(cache.size, 3);
  for (const s of steps) {
    const changed = new Set(s.changed.map((n) => `default/${n}`));
    const r = buildProxyRules(input(s.services, s.slices, { cache, changed }));
    const full = buildProxyRules(input(s.services, s.slices));
    assert.equal(apply(tables, r.restore), r.transactions, s.name);
    assert.equal(r.topLevelWritten, s.top, s.name);
    assert.ok(!/^:KUBE-SERVICES /m.test(r.restore), `${s.name}: top-level chains not flushed`);
    assert.equal(/^\*filter/m.test(r.restore), s.filter, s.name);
    assert.equal(
      r.written,
      s.services.filter((x) => changed.has(`default/${x.metadata!.name}`)).length,
    );
    const unchanged = s.services.find((x) => !changed.has(`default/${x.metadata!.name}`))!;
    const keep = servicePortChain(`default/${unchanged.metadata!.name}:http`, "TCP");
    assert.ok(!r.restore.includes(`:${keep} `), `${s.name}: unchanged chain not rewritten`);
    const want = freshTables();
    apply(want, full.restore);
    assert.deepEqual(normalized(tables), normalized(want), s.name);
    assert.deepEqual([...r.chains].sort(), [...full.chains].sort(), s.name);
    assert.equal(r.natRules, full.natRules, s.name);
    assert.equal(r.filterRules, full.filterRules, s.name);
    assert.equal(cache.size, s.services.length, s.name);
    for (const t of ["nat", "filter"])
      assert.match(
        tables.get(t)!.get("KUBE-SERVICES")!.at(-1)!,
        /KUBE-NODEPORTS$|no service at this/,
        s.name,
      );
  }
  // Nothing changed: nothing to restore.
  const none = buildProxyRules(
    input(steps[2]!.services, steps[2]!.slices, { cache, changed: new Set() }),
  );
  assert.equal(none.restore, "");
  assert.equal(none.transactions, 0);
});

test("a full build without a cache ignores changed; with one it refills the cache", () => {
  const all = input([svc("a"), svc("b")], [slice("a", 1), slice("b", 1)]);
  const noCache = buildProxyRules({ ...all, changed: new Set(["default/a"]) });
  assert.equal(noCache.written, 2);
  const cache = new RuleCache();
  cache.set(
    "default/gone",
    new Map([
      ["x", { nat: ["-A KUBE-SERVICES x"], filter: [], chains: ["KUBE-SVC-X"], chainRules: 1 }],
    ]),
  );
  const r = buildProxyRules({ ...all, cache });
  assert.equal(cache.size, 2);
  assert.ok(!cache.chains.has("KUBE-SVC-X"));
  assert.equal(cache.natTopRules, 2);
  assert.equal(r.natRules, 5 + cache.natTopRules + cache.chainRules);
});

test("a batched full build failing at any COMMIT leaves tables the next full build repairs", () => {
  const before = [svc("a"), svc("b", 30101), svc("c"), svc("d", 30102)];
  const slicesBefore = [slice("a", 2), slice("b", 1), slice("c", 1), slice("d", 2)];
  // The next sync sees b deleted, c without endpoints, e added.
  const after = [svc("a"), svc("c"), svc("d", 30102), svc("e")];
  const slicesAfter = [slice("a", 2), slice("d", 1), slice("e", 2)];
  const want = freshTables();
  apply(want, buildProxyRules(input(after, slicesAfter)).restore);
  const isService = (c: string) => /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(c);
  const first = buildProxyRules(input(before, slicesBefore, { batchSize: 1 }));
  const sections = first.restore.split(/(?<=^COMMIT\n)/m);
  assert.equal(sections.length, first.transactions);
  for (let k = 0; k < sections.length; k++) {
    const tables = freshTables();
    // Only the first k COMMITs of the first sync took effect.
    apply(tables, sections.slice(0, k).join(""));
    const existing = new Set([...tables.get("nat")!.keys()].filter(isService));
    const r = buildProxyRules(
      input(after, slicesAfter, { batchSize: 1, existingChains: existing }),
    );
    apply(tables, r.restore);
    assert.deepEqual(normalized(tables), normalized(want), `failed after ${k} COMMITs`);
  }
});
