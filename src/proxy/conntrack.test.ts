import { test } from "node:test";
import assert from "node:assert/strict";
import { ConntrackCleaner, staleUdp, type UdpPortState } from "./conntrack.ts";
import type { HostExec } from "./host-exec.ts";

const port = (ips: string[], eps: string[], nodePort?: number): UdpPortState => ({
  ips,
  nodePort,
  endpointIPs: new Set(eps),
});

test("staleUdp: gone endpoints and services that got their first endpoint", () => {
  const cases: {
    name: string;
    before: [string, UdpPortState][];
    after: [string, UdpPortState][];
    want: ReturnType<typeof staleUdp>;
  }[] = [
    {
      name: "no change",
      before: [["dns", port(["10.43.0.10"], ["10.42.0.5"])]],
      after: [["dns", port(["10.43.0.10"], ["10.42.0.5"])]],
      want: { endpoints: [], nodePortEndpoints: [], serviceIPs: [], nodePorts: [] },
    },
    {
      name: "an endpoint replaced",
      before: [["dns", port(["10.43.0.10", "192.168.5.1"], ["10.42.0.5", "10.42.0.6"], 30053)]],
      after: [["dns", port(["10.43.0.10", "192.168.5.1"], ["10.42.0.6", "10.42.0.7"], 30053)]],
      want: {
        endpoints: [
          { ip: "10.43.0.10", endpointIP: "10.42.0.5" },
          { ip: "192.168.5.1", endpointIP: "10.42.0.5" },
        ],
        nodePortEndpoints: [{ port: 30053, endpointIP: "10.42.0.5" }],
        serviceIPs: [],
        nodePorts: [],
      },
    },
    {
      name: "service deleted",
      before: [["dns", port(["10.43.0.10"], ["10.42.0.5"])]],
      after: [],
      want: {
        endpoints: [{ ip: "10.43.0.10", endpointIP: "10.42.0.5" }],
        nodePortEndpoints: [],
        serviceIPs: [],
        nodePorts: [],
      },
    },
    {
      name: "first endpoint (new service, or one that had none)",
      before: [["a", port(["10.43.0.11"], [], 30001)]],
      after: [
        ["a", port(["10.43.0.11"], ["10.42.0.8"], 30001)],
        ["b", port(["10.43.0.12"], ["10.42.0.9"])],
        ["c", port(["10.43.0.13"], [])],
      ],
      want: {
        endpoints: [],
        nodePortEndpoints: [],
        serviceIPs: ["10.43.0.11", "10.43.0.12"],
        nodePorts: [30001],
      },
    },
  ];
  for (const c of cases) {
    assert.deepEqual(staleUdp(new Map(c.before), new Map(c.after)), c.want, c.name);
  }
});

test("ConntrackCleaner runs conntrack -D per entry, tolerates 'nothing deleted', skips without the tool", async () => {
  const calls: string[] = [];
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) } as never;
  const withTool: HostExec = async (cmd, args) => {
    calls.push(`${cmd} ${args.join(" ")}`);
    if (args[0] === "--version") return { code: 0, stdout: "conntrack v1.4.7", stderr: "" };
    return {
      code: 1,
      stdout: "",
      stderr: "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been deleted.\n",
    };
  };
  const stale = {
    endpoints: [{ ip: "10.43.0.10", endpointIP: "10.42.0.5" }],
    nodePortEndpoints: [{ port: 30053, endpointIP: "10.42.0.5" }],
    serviceIPs: ["10.43.0.11"],
    nodePorts: [30001],
  };
  assert.equal(await new ConntrackCleaner(withTool, log).clear(stale), 4);
  assert.deepEqual(calls, [
    "conntrack --version",
    "conntrack -D -p udp --orig-dst 10.43.0.10 --dst-nat 10.42.0.5",
    "conntrack -D -p udp --dport 30053 --dst-nat 10.42.0.5",
    "conntrack -D -p udp --orig-dst 10.43.0.11",
    "conntrack -D -p udp --dport 30001",
  ]);
  assert.deepEqual(warnings, []);

  calls.length = 0;
  const without: HostExec = async (cmd, args) => {
    calls.push(`${cmd} ${args.join(" ")}`);
    return { code: 127, stdout: "", stderr: "spawn conntrack ENOENT" };
  };
  const cleaner = new ConntrackCleaner(without, log);
  assert.equal(await cleaner.clear(stale), 0);
  assert.equal(await cleaner.clear(stale), 0);
  assert.deepEqual(calls, ["conntrack --version"], "the tool is looked for once");
  assert.deepEqual(warnings, ["conntrack tool not found: stale UDP flows are not cleared"]);
});
