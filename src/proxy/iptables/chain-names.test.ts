import { test } from "node:test";
import assert from "node:assert/strict";
import {
  base32,
  endpointChain,
  isServiceChain,
  servicePortChain,
  servicePortName,
} from "./chain-names.ts";

test("base32 follows RFC 4648 (without padding)", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [input, want] of cases) assert.equal(base32(Buffer.from(input)), want, input);
});

test("chain names are stable, distinct per port/protocol/endpoint and within 28 characters", () => {
  const spn = servicePortName("default", "web", "http");
  assert.equal(spn, "default/web:http");
  assert.equal(servicePortName("default", "web", ""), "default/web");
  const a = servicePortChain(spn, "TCP");
  assert.equal(a, servicePortChain(spn, "tcp"));
  assert.notEqual(a, servicePortChain(spn, "UDP"));
  assert.match(a, /^KUBE-SVC-[A-Z2-7]{16}$/);
  assert.ok(a.length <= 28);
  const e1 = endpointChain(spn, "TCP", "10.42.0.2:8080");
  assert.notEqual(e1, endpointChain(spn, "TCP", "10.42.0.3:8080"));
  for (const [name, want] of [
    [a, true],
    [e1, true],
    ["KUBE-SERVICES", false],
    ["KUBE-SVC-short", false],
  ] as const) {
    assert.equal(isServiceChain(name), want, name);
  }
});
