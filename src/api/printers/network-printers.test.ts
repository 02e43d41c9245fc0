import { test } from "node:test";
import assert from "node:assert/strict";
import {
  endpointSlicePrinter,
  formatHosts,
  ingressClassPrinter,
  ingressPrinter,
  networkPolicyPrinter,
} from "./network-printers.ts";
import { headers, meta, rowOf } from "./testing.ts";

test("ingresses: CLASS HOSTS ADDRESS PORTS", () => {
  assert.deepEqual(headers(ingressPrinter), [
    "Name:0",
    "Class:0",
    "Hosts:0",
    "Address:0",
    "Ports:0",
    "Age:0",
  ]);
  const ing = {
    metadata: meta("web"),
    spec: {
      ingressClassName: "nginx",
      tls: [{ hosts: ["a.example.com"] }],
      rules: [{ host: "a.example.com" }, { host: "b.example.com" }],
    },
    status: {
      loadBalancer: {
        ingress: [{ ip: "10.0.0.200" }, { hostname: "very-long-lb-hostname.example.com" }],
      },
    },
  };
  assert.deepEqual(rowOf(ingressPrinter, ing), [
    "web",
    "nginx",
    "a.example.com,b.example.com",
    "10.0.0.200,very-long-lb-hostname.example.com",
    "80, 443",
    "5m",
  ]);
  assert.deepEqual(rowOf(ingressPrinter, { metadata: meta("bare"), spec: {} }), [
    "bare",
    "<none>",
    "*",
    "",
    "80",
    "5m",
  ]);
});

test("formatHosts cuts at three", () => {
  const rules = ["a", "b", "", "c", "d"].map((host) => ({ host }));
  assert.equal(formatHosts(rules), "a,b,c + 2 more...");
  assert.equal(formatHosts([{ host: "" }]), "*");
  assert.equal(formatHosts([{ host: "a" }, { host: "b" }, { host: "c" }]), "a,b,c");
});

test("ingressclasses: CONTROLLER PARAMETERS", () => {
  assert.deepEqual(headers(ingressClassPrinter), [
    "Name:0",
    "Controller:0",
    "Parameters:0",
    "Age:0",
  ]);
  const ic = {
    metadata: meta("nginx"),
    spec: {
      controller: "k8s.io/ingress-nginx",
      parameters: { apiGroup: "k8s.example.com", kind: "IngressParameters", name: "external-lb" },
    },
  };
  assert.deepEqual(rowOf(ingressClassPrinter, ic), [
    "nginx",
    "k8s.io/ingress-nginx",
    "IngressParameters.k8s.example.com/external-lb",
    "5m",
  ]);
  const core = {
    metadata: meta("c"),
    spec: { controller: "x", parameters: { kind: "ConfigMap", name: "cfg" } },
  };
  assert.equal(rowOf(ingressClassPrinter, core)[2], "ConfigMap/cfg");
  assert.equal(
    rowOf(ingressClassPrinter, { metadata: meta("n"), spec: { controller: "x" } })[2],
    "<none>",
  );
});

test("networkpolicies: POD-SELECTOR", () => {
  assert.deepEqual(headers(networkPolicyPrinter), ["Name:0", "Pod-Selector:0", "Age:0"]);
  const np = { metadata: meta("deny"), spec: { podSelector: { matchLabels: { role: "db" } } } };
  assert.deepEqual(rowOf(networkPolicyPrinter, np), ["deny", "role=db", "5m"]);
  const all = { metadata: meta("all"), spec: { podSelector: {} } };
  assert.deepEqual(rowOf(networkPolicyPrinter, all), ["all", "<none>", "5m"]);
});

test("endpointslices: ADDRESSTYPE PORTS ENDPOINTS", () => {
  assert.deepEqual(headers(endpointSlicePrinter), [
    "Name:0",
    "AddressType:0",
    "Ports:0",
    "Endpoints:0",
    "Age:0",
  ]);
  const es = {
    metadata: meta("web-abc"),
    addressType: "IPv4",
    ports: [{ port: 80 }, { name: "metrics" }, {}, { port: 9000 }],
    endpoints: [
      { addresses: ["10.42.0.5"] },
      { addresses: ["10.42.0.6", "10.42.0.7", "10.42.0.8"] },
    ],
  };
  assert.deepEqual(rowOf(endpointSlicePrinter, es), [
    "web-abc",
    "IPv4",
    "80,metrics,* + 1 more...",
    "10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...",
    "5m",
  ]);
  const empty = { metadata: meta("e"), addressType: "IPv6" };
  assert.deepEqual(rowOf(endpointSlicePrinter, empty), ["e", "IPv6", "<unset>", "<unset>", "5m"]);
});
