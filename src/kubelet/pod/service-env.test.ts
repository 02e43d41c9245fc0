import { test } from "node:test";
import assert from "node:assert/strict";
import type { Service } from "kubernetes-types/core/v1.d.ts";
import { envFromServices, serviceEnvVars } from "./service-env.ts";
import { containerEnv, expandVars } from "./env.ts";

const svc = (ns: string, name: string, clusterIP: string, ports: object[]): Service =>
  ({ metadata: { namespace: ns, name }, spec: { clusterIP, ports } }) as Service;

const kubernetes = svc("default", "kubernetes", "10.43.0.1", [
  { name: "https", port: 443, protocol: "TCP" },
]);
const web = svc("app", "my-web", "10.43.0.20", [
  { name: "http", port: 80 },
  { name: "dns-udp", port: 53, protocol: "UDP" },
]);

test("envFromServices writes upstream's variables per service", () => {
  assert.deepEqual(envFromServices([web]), [
    ["MY_WEB_SERVICE_HOST", "10.43.0.20"],
    ["MY_WEB_SERVICE_PORT", "80"],
    ["MY_WEB_SERVICE_PORT_HTTP", "80"],
    ["MY_WEB_SERVICE_PORT_DNS_UDP", "53"],
    ["MY_WEB_PORT", "tcp://10.43.0.20:80"],
    ["MY_WEB_PORT_80_TCP", "tcp://10.43.0.20:80"],
    ["MY_WEB_PORT_80_TCP_PROTO", "tcp"],
    ["MY_WEB_PORT_80_TCP_PORT", "80"],
    ["MY_WEB_PORT_80_TCP_ADDR", "10.43.0.20"],
    ["MY_WEB_PORT_53_UDP", "udp://10.43.0.20:53"],
    ["MY_WEB_PORT_53_UDP_PROTO", "udp"],
    ["MY_WEB_PORT_53_UDP_PORT", "53"],
    ["MY_WEB_PORT_53_UDP_ADDR", "10.43.0.20"],
  ]);
  const v6 = svc("app", "v6", "fd00::10", [{ port: 8080 }]);
  assert.equal(new Map(envFromServices([v6])).get("V6_PORT"), "tcp://[fd00::10]:8080");
});

test("serviceEnvVars picks services as upstream", () => {
  const headless = svc("app", "headless", "None", [{ port: 80 }]);
  const external = { metadata: { namespace: "app", name: "ext" }, spec: { type: "ExternalName" } };
  const other = svc("other", "db", "10.43.0.30", [{ port: 5432 }]);
  const shadow = svc("app", "kubernetes", "10.43.0.99", [{ port: 8443 }]);
  const all = [kubernetes, web, headless, external as Service, other];
  const cases: { name: string; services: Service[]; ns: string; links: boolean; want: string[] }[] =
    [
      {
        name: "own namespace plus kubernetes",
        services: all,
        ns: "app",
        links: true,
        want: ["KUBERNETES_SERVICE_HOST=10.43.0.1", "MY_WEB_SERVICE_HOST=10.43.0.20"],
      },
      {
        name: "enableServiceLinks false keeps only the master service",
        services: all,
        ns: "app",
        links: false,
        want: ["KUBERNETES_SERVICE_HOST=10.43.0.1"],
      },
      {
        name: "a namespace service named kubernetes wins",
        services: [kubernetes, shadow],
        ns: "app",
        links: true,
        want: ["KUBERNETES_SERVICE_HOST=10.43.0.99"],
      },
      {
        name: "pods in default",
        services: all,
        ns: "default",
        links: true,
        want: ["KUBERNETES_SERVICE_HOST=10.43.0.1"],
      },
    ];
  for (const c of cases) {
    const env = serviceEnvVars(c.services, c.ns, c.links);
    const hosts = [...env]
      .filter(([k]) => k.endsWith("_SERVICE_HOST"))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
    assert.deepEqual(hosts, c.want, c.name);
  }
});

test("container env: declared variables win, $(VAR) sees service variables", async () => {
  const source = { configMap: async () => undefined, secret: async () => undefined };
  const facts = {
    hostIP: "1.2.3.4",
    podIPs: [],
    allocatable: { cpuMilli: 1, memory: 1, ephemeralStorage: 1 },
  };
  const serviceEnv = serviceEnvVars([kubernetes, web], "app");
  const env = await containerEnv(
    { metadata: { namespace: "app", name: "p" }, spec: { containers: [] } },
    {
      name: "c",
      env: [
        { name: "URL", value: "http://$(MY_WEB_SERVICE_HOST):$(MY_WEB_SERVICE_PORT)/$(NOPE)" },
        { name: "MY_WEB_SERVICE_PORT", value: "override" },
      ],
    },
    source,
    facts,
    serviceEnv,
  );
  const m = new Map(env.map((e) => [e.key, e.value]));
  assert.equal(m.get("URL"), "http://10.43.0.20:80/$(NOPE)");
  assert.equal(m.get("MY_WEB_SERVICE_PORT"), "override");
  assert.equal(m.get("KUBERNETES_PORT_443_TCP_ADDR"), "10.43.0.1");
  assert.equal(env[0].key, "URL", "declared variables come first");
  assert.equal(env.filter((e) => e.key === "MY_WEB_SERVICE_PORT").length, 1);
  assert.equal(
    expandVars(
      "$(A) $(B) $$(A) $(C",
      new Map([["A", "1"]]),
      new Map([
        ["A", "x"],
        ["B", "2"],
      ]),
    ),
    "1 2 $(A) $(C",
  );
});
