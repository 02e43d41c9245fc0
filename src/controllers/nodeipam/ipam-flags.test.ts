import { test } from "node:test";
import assert from "node:assert/strict";
import { nodeIpamConfigFromFlags } from "./ipam-flags.ts";
import { cidrSetsFor } from "./range-allocator.ts";

test("node IPAM flags: mask sizes per family, upstream's errors", () => {
  const cases: [string, Parameters<typeof nodeIpamConfigFromFlags>[0], number[] | RegExp][] = [
    ["k8ts server defaults", { clusterCidr: "10.42.0.0/16" }, [24]],
    ["single stack size", { clusterCidr: "10.42.0.0/16", nodeCidrMaskSize: "26" }, [26]],
    ["ipv6 single stack", { clusterCidr: "fd00:42::/48", nodeCidrMaskSize: 56 }, [56]],
    ["dual stack defaults", { clusterCidr: "10.42.0.0/16,fd00:42::/56" }, [24, 64]],
    [
      "dual stack sizes",
      {
        clusterCidr: "10.42.0.0/16,fd00:42::/56",
        nodeCidrMaskSizeIpv4: 25,
        nodeCidrMaskSizeIpv6: 60,
      },
      [25, 60],
    ],
    [
      "dual stack single size",
      { clusterCidr: "10.42.0.0/16,fd00:42::/56", nodeCidrMaskSize: 24 },
      /not allowed with dual-stack/,
    ],
    ["bad size", { clusterCidr: "10.42.0.0/16", nodeCidrMaskSize: "x" }, /invalid argument "x"/],
    ["too many subnets", { clusterCidr: "10.0.0.0/8", nodeCidrMaskSize: 28 }, /too big/],
    ["no cluster cidr", {}, /required/],
  ];
  for (const [name, flags, want] of cases) {
    const got = nodeIpamConfigFromFlags(flags);
    if (want instanceof RegExp) assert.match(String(got), want, name);
    else {
      assert.equal(typeof got, "object", `${name}: ${String(got)}`);
      const sets = cidrSetsFor(got as Exclude<typeof got, string>);
      assert.ok(Array.isArray(sets), name);
      assert.deepEqual(
        sets.map((s) => s.nodeMaskSize),
        want,
        name,
      );
    }
  }
});
