import { test } from "node:test";
import assert from "node:assert/strict";
import { compile } from "../compile.ts";
import { fromCel } from "../values.ts";
import { formatAddr, parseAddr } from "./netaddr.ts";

function run(expr: string): unknown {
  const c = compile(expr, { variables: [] });
  if (!c.ok) throw c.error;
  const r = c.program.evaluate({});
  return r.ok ? fromCel(r.value) : { error: r.error.message };
}

const parseErr = (s: string, why: string) => ({
  error: `IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): ${why}`,
});

test("ip library (upstream's cases)", () => {
  const cases: [string, unknown][] = [
    [`string(ip("192.168.0.1"))`, "192.168.0.1"],
    [`ip("192.168.0.1.0")`, parseErr("192.168.0.1.0", "IPv4 address too long")],
    [`ip("1.2.3")`, parseErr("1.2.3", "IPv4 address too short")],
    [`ip("1.02.3.4")`, parseErr("1.02.3.4", "IPv4 field has octet with leading zero")],
    [`ip("1.2.3.256")`, parseErr("1.2.3.256", "IPv4 field has value >255")],
    [`ip("nope")`, parseErr("nope", "unable to parse IP")],
    [`isIP("192.168.0.1")`, true],
    [`isIP("192.168.0.1.0")`, false],
    [`ip.isCanonical("127.0.0.1")`, true],
    [`ip.isCanonical("127.0.0.1.0")`, parseErr("127.0.0.1.0", "IPv4 address too long")],
    [`ip("192.168.0.1").family()`, 4],
    [`ip("0.0.0.0").isUnspecified()`, true],
    [`ip("127.0.0.1").isUnspecified()`, false],
    [`ip("127.0.0.1").isLoopback()`, true],
    [`ip("1.2.3.4").isLoopback()`, false],
    [`ip("224.0.0.1").isLinkLocalMulticast()`, true],
    [`ip("224.0.1.1").isLinkLocalMulticast()`, false],
    [`ip("169.254.169.254").isLinkLocalUnicast()`, true],
    [`ip("192.168.0.1").isLinkLocalUnicast()`, false],
    [`ip("192.168.0.1").isGlobalUnicast()`, true],
    [`ip("255.255.255.255").isGlobalUnicast()`, false],
    [`string(ip("2001:db8::68"))`, "2001:db8::68"],
    [
      `ip("2001:db8:::68")`,
      parseErr(
        "2001:db8:::68",
        `each colon-separated field must have at least one digit (at ":68")`,
      ),
    ],
    [`isIP("2001:db8::68")`, true],
    [`isIP("2001:db8:::68")`, false],
    [`ip.isCanonical("2001:db8::68")`, true],
    [`ip.isCanonical("2001:DB8::68")`, false],
    [`ip.isCanonical("2001:db8:0:0:0:0:0:68")`, false],
    [`ip("2001:db8::68").family()`, 6],
    [`ip("::").isUnspecified()`, true],
    [`ip("::1").isUnspecified()`, false],
    [`ip("::1").isLoopback()`, true],
    [`ip("2001:db8::abcd").isLoopback()`, false],
    [`ip("ff02::1").isLinkLocalMulticast()`, true],
    [`ip("fd00::1").isLinkLocalMulticast()`, false],
    [`ip("fe80::1").isLinkLocalUnicast()`, true],
    [`ip("fd80::1").isLinkLocalUnicast()`, false],
    [`ip("2001:db8::abcd").isGlobalUnicast()`, true],
    [`ip("ff00::1").isGlobalUnicast()`, false],
    [`ip("::ffff:1.2.3.4")`, { error: `IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed` }],
    [`ip("fe80::1%eth0")`, { error: `IP address "fe80::1%eth0" with zone value is not allowed` }],
    [`ip("10.0.0.1") == ip("10.0.0.1") && ip("::1") != ip("::2")`, true],
    [`ip("2001:db8:0:0:0:0:0:1") == ip("2001:db8::1")`, true],
  ];
  for (const [expr, want] of cases) assert.deepEqual(run(expr), want, expr);
});

test("ip and cidr functions type-check as upstream's", () => {
  const cases: [string, string][] = [
    [`isIP(1)`, "ERROR: <input>:1:5: found no matching overload for 'isIP' applied to '(int)'"],
    [
      `cidr(192168)`,
      "ERROR: <input>:1:5: found no matching overload for 'cidr' applied to '(int)'",
    ],
    [
      `isIP(cidr("192.168.0.0/24"))`,
      "ERROR: <input>:1:5: found no matching overload for 'isIP' applied to '(net.CIDR)'",
    ],
    [
      `ip("1.2.3.4").containsIP("1.2.3.4")`,
      "ERROR: <input>:1:25: found no matching overload for 'containsIP' applied to 'net.IP.(string)'",
    ],
  ];
  for (const [expr, want] of cases) {
    const c = compile(expr, { variables: [] });
    assert.ok(!c.ok, expr);
    assert.equal(c.error.message.split("\n")[0], `compilation failed: ${want}`, expr);
  }
  const typed = compile(`cidr(dyn("10.0.0.0/8")).containsIP(ip("10.1.2.3"))`, { variables: [] });
  assert.ok(typed.ok);
  assert.equal(typed.program.resultType, "bool");
});

test("cidr library (upstream's cases)", () => {
  const bad = (s: string) => ({
    error:
      "network address parse error during conversion from string: network address parse error during conversion from string: " +
      `netip.ParsePrefix(${JSON.stringify(s)}): bad bits after slash: ""`,
  });
  const cases: [string, unknown][] = [
    [`string(cidr("192.168.0.0/24"))`, "192.168.0.0/24"],
    [`cidr("192.168.0.0/")`, bad("192.168.0.0/")],
    [`cidr("2001:db8::/")`, bad("2001:db8::/")],
    [`isCIDR("10.0.0.0/8")`, true],
    [`isCIDR("10.0.0.0/33") || isCIDR("10.0.0.0") || isCIDR("10.0.0.0/08")`, false],
    [`cidr("192.168.0.0/24").containsIP(ip("192.168.0.1"))`, true],
    [`cidr("192.168.0.0/24").containsIP(ip("192.168.1.1"))`, false],
    [`cidr("192.168.0.0/24").containsIP("192.168.0.1")`, true],
    [`cidr("192.168.0.0/24").containsIP("192.168.1.1")`, false],
    [`cidr("192.168.0.0/24").containsIP("::1")`, false],
    [`cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.0/25"))`, true],
    [`cidr("192.168.0.0/24").containsCIDR(cidr("192.168.0.0/23"))`, false],
    [`cidr("192.168.0.0/24").containsCIDR("192.168.0.0/25")`, true],
    [`cidr("192.168.0.0/24").containsCIDR("192.168.0.0/23")`, false],
    [`string(cidr("192.168.0.0/24").ip())`, "192.168.0.0"],
    [`cidr("192.168.0.1/24").masked() == cidr("192.168.0.0/24")`, true],
    [`string(cidr("192.168.0.1/24").masked())`, "192.168.0.0/24"],
    [`cidr("192.168.0.0/24").prefixLength()`, 24],
    [`string(cidr("2001:db8::/32"))`, "2001:db8::/32"],
    [`cidr("2001:db8::/32").containsIP(ip("2001:db8::1"))`, true],
    [`cidr("2001:db8::/32").containsIP(ip("2001:dc8::1"))`, false],
    [`cidr("2001:db8::/32").containsCIDR(cidr("2001:db8::/33"))`, true],
    [`cidr("2001:db8::/32").containsCIDR("2001:db8::/31")`, false],
    [`string(cidr("2001:db8::/32").ip())`, "2001:db8::"],
    [`string(cidr("2001:db8:1::/32").masked())`, "2001:db8::/32"],
    [`cidr("2001:db8::/32").prefixLength()`, 32],
    [`cidr("0.0.0.0/0").containsIP("255.1.2.3")`, true],
  ];
  for (const [expr, want] of cases) assert.deepEqual(run(expr), want, expr);
});

test("addresses print as netip does", () => {
  const cases: [string, string][] = [
    ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"],
    ["::a.b", "::a.b"],
    ["::1.2.3.4", "::102:304"],
    ["FE80::0:1", "fe80::1"],
  ];
  for (const [input, want] of cases) {
    if (want === "::a.b") {
      assert.throws(() => parseAddr(input), /ParseAddr/);
      continue;
    }
    assert.equal(formatAddr(parseAddr(input)), want, input);
  }
});
