import { test } from "node:test";
import assert from "node:assert/strict";
import { CidrSet, formatCidr, isCidrError, parseCidr, type Cidr } from "./cidr-set.ts";

const cidr = (s: string): Cidr => {
  const c = parseCidr(s);
  if (isCidrError(c)) throw new Error(c.message);
  return c;
};
const set = (cluster: string, size: number): CidrSet => {
  const s = CidrSet.create(cidr(cluster), size);
  if (isCidrError(s)) throw new Error(s.message);
  return s;
};

test("parse and format round trip (masked like Go's ParseCIDR)", () => {
  for (const [input, want] of [
    ["10.42.0.0/16", "10.42.0.0/16"],
    ["10.42.3.7/24", "10.42.3.0/24"],
    ["fd00:10:42::/56", "fd00:10:42::/56"],
    ["2001:db8:0:0:1::/80", "2001:db8:0:0:1::/80"],
    ["::/0", "::/0"],
  ])
    assert.equal(formatCidr(cidr(input!)), want);
  for (const bad of ["10.42.0.0", "10.42.0.256/24", "10.42.0.0/33", "fd00::1::/64", "x/8"])
    assert.ok(isCidrError(parseCidr(bad)), bad);
});

test("mask size limits as upstream", () => {
  const c = cidr("10.0.0.0/8");
  assert.ok(isCidrError(CidrSet.create(c, 25)), "more than 2^16 subnets");
  assert.ok(isCidrError(CidrSet.create(c, 7)), "mask smaller than the cluster's");
  assert.ok(!isCidrError(CidrSet.create(c, 24)));
});

test("allocates distinct subnets in order, then Full", () => {
  const s = set("10.42.0.0/22", 24);
  const got = Array.from({ length: 4 }, () => s.allocateNext()).map((c) =>
    isCidrError(c) ? c.reason : formatCidr(c),
  );
  assert.deepEqual(got, ["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"]);
  const full = s.allocateNext();
  assert.ok(isCidrError(full) && full.reason === "Full");
});

test("occupied subnets are skipped; released ones come back round robin", () => {
  const s = set("10.42.0.0/22", 24);
  assert.equal(s.occupy(cidr("10.42.0.0/24")), undefined);
  // A bigger CIDR (a service range) occupies every subnet it overlaps.
  assert.equal(s.occupy(cidr("10.42.2.0/23")), undefined);
  assert.equal(s.allocatedCount, 3);
  const a = s.allocateNext();
  assert.equal(isCidrError(a) ? a.reason : formatCidr(a), "10.42.1.0/24");
  assert.ok(isCidrError(s.allocateNext()));
  s.release(cidr("10.42.0.0/24"));
  const b = s.allocateNext();
  assert.equal(isCidrError(b) ? b.reason : formatCidr(b), "10.42.0.0/24");
  const out = s.occupy(cidr("10.43.0.0/24"));
  assert.equal(out?.reason, "OutOfRange");
});

test("IPv6 subnets at /64", () => {
  const s = set("fd00:42::/56", 64);
  assert.equal(s.maxCidrs, 256);
  const a = s.allocateNext();
  const b = s.allocateNext();
  assert.deepEqual(
    [a, b].map((c) => (isCidrError(c) ? c.reason : formatCidr(c))),
    ["fd00:42::/64", "fd00:42:0:1::/64"],
  );
});
