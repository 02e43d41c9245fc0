import { test } from "node:test";
import assert from "node:assert/strict";
import { clusterIPRange, nodePortRange, parseIPv4CIDR } from "./service-ranges.ts";

test("cluster IP ranges skip the network and broadcast addresses", () => {
  const cases = [
    { cidr: "10.43.0.0/16", size: 65534, first: "10.43.0.1", last: "10.43.255.254", band: 256 },
    { cidr: "10.96.0.0/24", size: 254, first: "10.96.0.1", last: "10.96.0.254", band: 16 },
    { cidr: "10.0.0.7/29", size: 6, first: "10.0.0.1", last: "10.0.0.6", band: 16 },
  ];
  for (const c of cases) {
    const r = clusterIPRange(c.cidr);
    assert.equal(r.size, c.size, c.cidr);
    assert.equal(r.valueAt(0), c.first);
    assert.equal(r.valueAt(r.size - 1), c.last);
    assert.equal(r.staticBand, c.band);
    assert.equal(r.offsetOf(c.first), 0);
    assert.equal(r.offsetOf(c.last), r.size - 1);
  }
  const r = clusterIPRange("10.43.0.0/16");
  for (const outside of ["10.43.0.0", "10.43.255.255", "10.44.0.1", "::1", "nope", "10.43.0"])
    assert.equal(r.offsetOf(outside), undefined, outside);
  assert.equal(r.offsetOf("10.43.0.10"), 9);
  assert.equal(r.spec, "10.43.0.0/16");
});

test("bad CIDRs are rejected with the reason", () => {
  for (const [cidr, why] of [
    ["10.43.0.0", /not an IPv4 CIDR/],
    ["10.43.0.0/33", /not an IPv4 CIDR/],
    ["fd00::/108", /not an IPv4 CIDR/],
    ["10.0.0.0/8", /too large/],
    ["10.0.0.0/31", /too small/],
  ] as const) {
    assert.throws(() => clusterIPRange(cidr), why, cidr);
  }
  assert.deepEqual(parseIPv4CIDR("10.43.7.9/16"), { network: (10 * 256 + 43) * 65536, prefix: 16 });
});

test("node port ranges", () => {
  const r = nodePortRange("30000-32767");
  assert.equal(r.size, 2768);
  assert.equal(r.staticBand, 86);
  assert.equal(r.offsetOf(30000), 0);
  assert.equal(r.offsetOf(32767), 2767);
  assert.equal(r.offsetOf(32768), undefined);
  assert.equal(r.offsetOf(29999), undefined);
  assert.equal(r.valueAt(8), 30008);
  assert.equal(nodePortRange("40000+10").spec, "40000-40009");
  for (const bad of ["", "a-b", "0-10", "60000-70000"])
    assert.throws(() => nodePortRange(bad), bad);
});
