import { test } from "node:test";
import assert from "node:assert/strict";
import { serviceOptionsFromFlags, type ServiceFlags } from "./service-flags.ts";
import { podGateway } from "./service-networking.ts";

test("podGateway is the first address of the podCIDR", () => {
  for (const [cidr, want] of [
    ["10.42.0.0/24", "10.42.0.1"],
    ["10.42.210.0/24", "10.42.210.1"],
    ["10.42.210.77/24", "10.42.210.1"],
    ["192.168.4.0/22", "192.168.4.1"],
  ] as const) {
    assert.equal(podGateway(cidr), want, cidr);
  }
  assert.throws(() => podGateway("fd00::/64"));
});

test("the advertise address defaults to the node's pod gateway when the node runs pods", () => {
  const cases: [ServiceFlags, string | undefined][] = [
    [{}, undefined],
    [{ podCidr: "10.42.210.0/24" }, "10.42.210.1"],
    [{ podCidr: "10.42.210.0/24", disableAgent: true }, undefined],
    [{ podCidr: "10.42.210.0/24", advertiseAddress: "10.0.0.5" }, "10.0.0.5"],
  ];
  for (const [flags, want] of cases) {
    assert.equal(serviceOptionsFromFlags(flags).advertiseAddress, want, JSON.stringify(flags));
  }
});
