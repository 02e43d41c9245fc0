import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointsByServicePort } from "../endpoint-info.ts";
import { servicePorts } from "../service-port.ts";
import { makeService, makeSlice } from "../testing/builders.ts";
import { buildProxyRules, type ProxyRulesInput } from "./proxy-rules.ts";
import { cidrContains } from "./service-port-rules.ts";
import {
  endpointChain,
  externalChain,
  firewallChain,
  serviceLocalChain,
  servicePortChain,
} from "./chain-names.ts";

const svcChain = servicePortChain("default/web:http", "TCP");
const extChain = externalChain("default/web:http", "TCP");
const svlChain = serviceLocalChain("default/web:http", "TCP");
const sep = (ep: string) => endpointChain("default/web:http", "TCP", ep);

function rules(
  svc: ReturnType<typeof makeService>,
  slice?: ReturnType<typeof makeSlice>,
  extra: Partial<ProxyRulesInput> = {},
) {
  return buildProxyRules({
    services: new Map([["default/web", servicePorts(svc)]]),
    endpoints: endpointsByServicePort(slice ? [slice] : [], "node1"),
    clusterCIDR: "10.42.0.0/16",
    existingChains: new Set(),
    ...extra,
  });
}

const lines = (text: string) => text.split("\n");
const has = (text: string, ...parts: string[]) =>
  lines(text).some((l) => parts.every((p) => l.includes(p)));

test("rule layout per case", () => {
  const twoEps = makeSlice("web", [{ ip: "10.42.0.2" }, { ip: "10.42.0.3", nodeName: "node2" }]);
  const cases: {
    name: string;
    svc: ReturnType<typeof makeService>;
    slice?: ReturnType<typeof makeSlice>;
    want: string[][];
    not?: string[][];
  }[] = [
    {
      name: "cluster IP with two endpoints",
      svc: makeService("web", "10.43.0.20"),
      slice: twoEps,
      want: [
        ["-A KUBE-SERVICES", "-d 10.43.0.20/32", "--dport 80", `-j ${svcChain}`],
        [`-A ${svcChain}`, "! -s 10.42.0.0/16", "-j KUBE-MARK-MASQ"],
        [`-A ${svcChain}`, "--probability 0.5000000000", `-j ${sep("10.42.0.2:8080")}`],
        [`-A ${sep("10.42.0.2:8080")}`, "-s 10.42.0.2/32 -j KUBE-MARK-MASQ"],
        [`-A ${sep("10.42.0.3:8080")}`, "-j DNAT --to-destination 10.42.0.3:8080"],
        ["-A KUBE-SERVICES", "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"],
      ],
      not: [["REJECT"], ["-m recent"]],
    },
    {
      name: "no endpoints rejects in filter",
      svc: makeService(
        "web",
        "10.43.0.20",
        { type: "LoadBalancer", ports: [{ name: "http", port: 80, nodePort: 30080 }] },
        ["192.0.2.10"],
      ),
      want: [
        ["-A KUBE-SERVICES", "has no endpoints", "-d 10.43.0.20/32", "REJECT"],
        [
          "-A KUBE-EXTERNAL-SERVICES",
          "has no endpoints",
          "--dst-type LOCAL",
          "--dport 30080",
          "REJECT",
        ],
        ["-A KUBE-EXTERNAL-SERVICES", "-d 192.0.2.10/32", "REJECT"],
      ],
      not: [[`:${svcChain}`], [`:${extChain}`]],
    },
    {
      name: "NodePort and LoadBalancer go through KUBE-EXT with masquerade",
      svc: makeService(
        "web",
        "10.43.0.20",
        { type: "LoadBalancer", ports: [{ name: "http", port: 80, nodePort: 30080 }] },
        ["192.0.2.10"],
      ),
      slice: twoEps,
      want: [
        ["-A KUBE-NODEPORTS", "--dport 30080", `-j ${extChain}`],
        ["-A KUBE-SERVICES", "loadbalancer IP", "-d 192.0.2.10/32", "--dport 80", `-j ${extChain}`],
        [`-A ${extChain}`, "masquerade traffic", "-j KUBE-MARK-MASQ"],
        [`-A ${extChain} -j ${svcChain}`],
      ],
    },
    {
      name: "externalTrafficPolicy Local uses only local endpoints externally",
      svc: makeService("web", "10.43.0.20", {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }),
      slice: twoEps,
      want: [
        [`-A ${extChain}`, "-s 10.42.0.0/16", `-j ${svcChain}`],
        [`-A ${extChain}`, "--src-type LOCAL", "-j KUBE-MARK-MASQ"],
        [`-A ${extChain} -j ${svlChain}`],
        [`-A ${svlChain}`, `-j ${sep("10.42.0.2:8080")}`],
      ],
      not: [[`-A ${svlChain}`, sep("10.42.0.3:8080")]],
    },
    {
      name: "externalTrafficPolicy Local without local endpoints drops",
      svc: makeService("web", "10.43.0.20", {
        type: "NodePort",
        externalTrafficPolicy: "Local",
        ports: [{ name: "http", port: 80, nodePort: 30080 }],
      }),
      slice: makeSlice("web", [{ ip: "10.42.0.3", nodeName: "node2" }]),
      want: [["-A KUBE-EXTERNAL-SERVICES", "has no local endpoints", "--dport 30080", "-j DROP"]],
      not: [[`-A KUBE-NODEPORTS`, "30080"]],
    },
    {
      name: "internalTrafficPolicy Local routes the ClusterIP to the local chain",
      svc: makeService("web", "10.43.0.20", { internalTrafficPolicy: "Local" }),
      slice: twoEps,
      want: [["-A KUBE-SERVICES", "-d 10.43.0.20/32", `-j ${svlChain}`]],
      not: [[`:${svcChain}`]],
    },
    {
      name: "ClientIP affinity checks recent before balancing and sets it on DNAT",
      svc: makeService("web", "10.43.0.20", {
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      }),
      slice: twoEps,
      want: [
        [
          `-A ${svcChain}`,
          `-m recent --name ${sep("10.42.0.2:8080")} --rcheck --seconds 600 --reap`,
        ],
        [`-A ${sep("10.42.0.2:8080")}`, `-m recent --name ${sep("10.42.0.2:8080")} --set`, "DNAT"],
      ],
    },
    {
      name: "not-ready endpoints receive no traffic",
      svc: makeService("web", "10.43.0.20"),
      slice: makeSlice("web", [{ ip: "10.42.0.2" }, { ip: "10.42.0.3", ready: false }]),
      want: [[`-A ${svcChain}`, `-j ${sep("10.42.0.2:8080")}`]],
      not: [["10.42.0.3"], ["--probability"]],
    },
  ];
  for (const c of cases) {
    const out = rules(c.svc, c.slice).restore;
    for (const w of c.want)
      assert.ok(has(out, ...w), `${c.name}: missing ${w.join(" … ")}\n${out}`);
    for (const n of c.not ?? [])
      assert.ok(!has(out, ...n), `${c.name}: unexpected ${n.join(" … ")}\n${out}`);
  }
});

test("three endpoints get probabilities 1/3, 1/2, then an unconditional jump", () => {
  const out = rules(
    makeService("web", "10.43.0.20"),
    makeSlice("web", [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }, { ip: "10.42.0.4" }]),
  ).restore;
  const jumps = lines(out).filter((l) => l.startsWith(`-A ${svcChain}`) && l.includes("KUBE-SEP-"));
  assert.equal(jumps.length, 3);
  assert.match(jumps[0]!, /--probability 0\.3333333333 /);
  assert.match(jumps[1]!, /--probability 0\.5000000000 /);
  assert.doesNotMatch(jumps[2]!, /probability/);
});

test("large-cluster mode drops comments from endpoint rules only", () => {
  const slice = makeSlice("web", [{ ip: "10.42.0.2" }, { ip: "10.42.0.3" }]);
  const small = rules(makeService("web", "10.43.0.20"), slice).restore;
  const large = rules(makeService("web", "10.43.0.20"), slice, { largeCluster: true }).restore;
  const sepLines = (t: string) =>
    lines(t).filter(
      (l) =>
        l.startsWith("-A KUBE-SEP-") || (l.startsWith(`-A ${svcChain}`) && l.includes("KUBE-SEP-")),
    );
  assert.ok(sepLines(small).every((l) => l.includes("--comment")));
  assert.ok(
    sepLines(large).length === 6 && sepLines(large).every((l) => !l.includes("--comment")),
    large,
  );
  assert.ok(has(large, "-A KUBE-SERVICES", "--comment", "cluster IP"), "top-level comments stay");
});

test("loadBalancerSourceRanges: the LB IP goes through KUBE-FW; the rest is dropped in the filter table", () => {
  const fwChain = firewallChain("default/web:http", "TCP");
  const slice = makeSlice("web", [{ ip: "10.42.0.2" }]);
  const lb = (spec: object, annotations?: Record<string, string>) => {
    const svc = makeService(
      "web",
      "10.43.0.20",
      {
        type: "LoadBalancer",
        ports: [{ name: "http", port: 80, targetPort: 8080, nodePort: 30080 }],
        ...spec,
      },
      ["192.168.5.10"],
    );
    if (annotations) svc.metadata!.annotations = annotations;
    return svc;
  };
  const cases: {
    name: string;
    svc: ReturnType<typeof makeService>;
    nodeIP?: string;
    want: string[][];
    not: string[][];
  }[] = [
    {
      name: "two ranges, node outside them",
      svc: lb({ loadBalancerSourceRanges: ["10.1.0.0/16", "172.16.0.0/12"] }),
      nodeIP: "192.168.7.7",
      want: [
        ["-A KUBE-SERVICES", "loadbalancer IP", "-d 192.168.5.10/32", `-j ${fwChain}`],
        [`-A ${fwChain}`, "-s 10.1.0.0/16", `-j ${extChain}`],
        [`-A ${fwChain}`, "-s 172.16.0.0/12", `-j ${extChain}`],
        [`-A ${fwChain}`, "will be dropped by KUBE-PROXY-FIREWALL"],
        [
          "-A KUBE-PROXY-FIREWALL",
          `traffic not accepted by ${fwChain}`,
          "-d 192.168.5.10/32",
          "--dport 80",
          "-j DROP",
        ],
        // NodePorts are not subject to source ranges (as upstream).
        ["-A KUBE-NODEPORTS", "--dport 30080", `-j ${extChain}`],
      ],
      not: [[`-A ${fwChain}`, "-s 192.168.5.10/32"]],
    },
    {
      name: "a range containing the node allows the LB IP as source",
      svc: lb({ loadBalancerSourceRanges: ["192.168.0.0/16"] }),
      nodeIP: "192.168.7.7",
      want: [[`-A ${fwChain}`, "-s 192.168.5.10/32", `-j ${extChain}`]],
      not: [],
    },
    {
      name: "the annotation when the field is empty",
      svc: lb(
        {},
        { "service.beta.kubernetes.io/load-balancer-source-ranges": "10.9.0.0/16, bogus" },
      ),
      want: [[`-A ${fwChain}`, "-s 10.9.0.0/16", `-j ${extChain}`]],
      not: [["bogus"]],
    },
    {
      name: "no ranges: no firewall chain",
      svc: lb({}),
      want: [["-A KUBE-SERVICES", "loadbalancer IP", `-j ${extChain}`]],
      not: [[fwChain], ["KUBE-PROXY-FIREWALL -m"]],
    },
  ];
  for (const c of cases) {
    const r = rules(c.svc, slice, { nodeIP: c.nodeIP });
    for (const w of c.want)
      assert.ok(has(r.restore, ...w), `${c.name}: want ${w.join(" … ")}\n${r.restore}`);
    for (const n of c.not) assert.ok(!has(r.restore, ...n), `${c.name}: unwanted ${n.join(" … ")}`);
    assert.equal(r.chains.has(fwChain), c.name !== "no ranges: no firewall chain", c.name);
  }
});

test("cidrContains", () => {
  for (const [cidr, ip, want] of [
    ["10.0.0.0/8", "10.200.1.1", true],
    ["10.0.0.0/8", "11.0.0.1", false],
    ["192.168.5.10/32", "192.168.5.10", true],
    ["192.168.5.10/32", "192.168.5.11", false],
    ["0.0.0.0/0", "8.8.8.8", true],
  ] as const) {
    assert.equal(cidrContains(cidr, ip), want, `${cidr} ${ip}`);
  }
});
