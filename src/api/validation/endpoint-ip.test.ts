import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointIPErrors } from "./endpoint-ip.ts";
import { validateEndpoints } from "./cluster.ts";
import { validateEndpointSlice } from "./misc.ts";

const cases: [string, string[], string[]?][] = [
  // ip, errors (loopback allowed), errors with allowLoopback false
  ["10.42.1.5", []],
  ["2001:db8::1", []],
  ["127.0.0.1", [], ["may not be in the loopback range (127.0.0.0/8, ::1/128)"]],
  ["127.9.9.9", [], ["may not be in the loopback range (127.0.0.0/8, ::1/128)"]],
  ["::1", [], ["may not be in the loopback range (127.0.0.0/8, ::1/128)"]],
  ["::ffff:127.0.0.1", [], ["may not be in the loopback range (127.0.0.0/8, ::1/128)"]],
  ["0.0.0.0", ["may not be unspecified (0.0.0.0)"]],
  ["::", ["may not be unspecified (::)"]],
  ["169.254.169.254", ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]],
  ["fe80::1", ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]],
  ["febf::1", ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]],
  ["fec0::1", []],
  ["224.0.0.251", ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"]],
  ["224.0.1.1", []],
  ["ff02::fb", ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"]],
  ["::ffff:169.254.1.1", ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"]],
  ["10.42.1", ["must be a valid IP address"]],
  ["fe80::1%eth0", ["must be a valid IP address"]],
  ["host.example", ["must be a valid IP address"]],
];

for (const [ip, errs, strict] of cases) {
  test(`endpoint IP ${ip}`, () => {
    assert.deepEqual(endpointIPErrors(ip), errs);
    assert.deepEqual(endpointIPErrors(ip, { allowLoopback: false }), strict ?? errs);
  });
}

test("Endpoints: addresses and notReadyAddresses are checked, loopback accepted", () => {
  const errs = validateEndpoints({
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: "s", namespace: "default" },
    subsets: [
      {
        addresses: [{ ip: "127.0.0.1" }, { ip: "169.254.1.2" }],
        notReadyAddresses: [{ ip: "nope" }],
        ports: [{ port: 443, protocol: "TCP" }],
      },
    ],
  });
  assert.deepEqual(
    errs.map((e) => [e.field, e.message.replace(/^Invalid value: "[^"]*": /, "")]),
    [
      [
        "subsets[0].addresses[1].ip",
        "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
      ],
      [
        "subsets[0].notReadyAddresses[0].ip",
        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
      ],
      ["subsets[0].notReadyAddresses[0].ip", "must be a valid IP address"],
    ],
  );
});

test("EndpointSlice: IPv4/IPv6 addresses must match the type and be non-special; FQDN unchecked here", () => {
  const slice = (addressType: string, addresses: string[]) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "s-1", namespace: "default" },
    addressType,
    endpoints: [{ addresses }],
  });
  const fields = (o: object) =>
    validateEndpointSlice(o as never).map((e) => [
      e.field,
      e.message.replace(/^Invalid value: "[^"]*": /, ""),
    ]);
  assert.deepEqual(fields(slice("IPv4", ["10.1.2.3", "127.0.0.1"])), []);
  assert.deepEqual(fields(slice("IPv6", ["fd00::1"])), []);
  assert.deepEqual(fields(slice("IPv4", ["fd00::1", "0.0.0.0"])), [
    ["endpoints[0].addresses[0]", "must be a valid IPv4 address"],
    ["endpoints[0].addresses[1]", "may not be unspecified (0.0.0.0)"],
  ]);
  assert.deepEqual(fields(slice("IPv6", ["10.1.2.3", "fe80::2"])), [
    ["endpoints[0].addresses[0]", "must be a valid IPv6 address"],
    ["endpoints[0].addresses[1]", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"],
  ]);
  assert.deepEqual(fields(slice("FQDN", ["web.example.com"])), []);
});
