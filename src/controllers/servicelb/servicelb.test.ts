import { test } from "node:test";
import assert from "node:assert/strict";
import type { Node } from "kubernetes-types/core/v1.d.ts";
import { desiredIngress, excludeLabel, handles } from "./servicelb.ts";

function node(name: string, ip: string, ready = true, extra: Partial<Node> = {}): Node {
  return {
    metadata: { name, ...extra.metadata },
    spec: { ...extra.spec },
    status: {
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: name },
      ],
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

test("desiredIngress: Ready, schedulable, not excluded nodes' IPv4 InternalIPs, sorted and unique", () => {
  const cases: { name: string; nodes: Node[]; want: string[] }[] = [
    { name: "none", nodes: [], want: [] },
    { name: "one", nodes: [node("a", "10.0.0.2")], want: ["10.0.0.2"] },
    {
      name: "sorted, unique",
      nodes: [node("b", "10.0.0.3"), node("a", "10.0.0.2"), node("c", "10.0.0.2")],
      want: ["10.0.0.2", "10.0.0.3"],
    },
    { name: "not ready", nodes: [node("a", "10.0.0.2", false)], want: [] },
    {
      name: "cordoned and excluded",
      nodes: [
        node("a", "10.0.0.2", true, { spec: { unschedulable: true } }),
        node("b", "10.0.0.3", true, { metadata: { labels: { [excludeLabel]: "" } } }),
        node("c", "10.0.0.4"),
      ],
      want: ["10.0.0.4"],
    },
    { name: "IPv6 ignored", nodes: [node("a", "fd00::2")], want: [] },
  ];
  for (const c of cases) {
    assert.deepEqual(
      desiredIngress(c.nodes).map((i) => i.ip),
      c.want,
      c.name,
    );
  }
});

test("handles only LoadBalancer services without a loadBalancerClass", () => {
  const cases: [object, boolean][] = [
    [{ type: "LoadBalancer" }, true],
    [{ type: "LoadBalancer", loadBalancerClass: "example.com/lb" }, false],
    [{ type: "NodePort" }, false],
    [{ type: "ClusterIP" }, false],
  ];
  for (const [spec, want] of cases) assert.equal(handles({ spec }), want, JSON.stringify(spec));
});
