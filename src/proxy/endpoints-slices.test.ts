import { test } from "node:test";
import assert from "node:assert/strict";
import type { Endpoints } from "kubernetes-types/core/v1.d.ts";
import type { EndpointSlice } from "kubernetes-types/discovery/v1.d.ts";
import { endpointsByServicePort } from "./endpoint-info.ts";
import { applyEndpoints, slicesFromEndpoints } from "./endpoints-slices.ts";

const ep = (subsets: Endpoints["subsets"]): Endpoints => ({
  apiVersion: "v1",
  kind: "Endpoints",
  metadata: { name: "web", namespace: "shop" },
  subsets,
});

test("Endpoints subsets become the slices the proxier reads", () => {
  const slices = slicesFromEndpoints(
    ep([
      {
        addresses: [
          { ip: "10.42.1.5", nodeName: "n1" },
          { ip: "fd00::5", nodeName: "n1" },
        ],
        notReadyAddresses: [{ ip: "10.42.2.6", nodeName: "n2" }],
        ports: [{ name: "http", port: 8080, protocol: "TCP" }],
      },
      { addresses: [{ ip: "10.42.1.7" }], ports: [{ name: "dns", port: 53, protocol: "UDP" }] },
    ]),
  );
  assert.deepEqual(
    slices.map((s) => [s.metadata?.name, s.metadata?.labels?.["kubernetes.io/service-name"]]),
    [
      ["web-ep0", "web"],
      ["web-ep1", "web"],
    ],
  );
  const byPort = endpointsByServicePort(slices, "n1");
  assert.deepEqual(
    byPort.get("shop/web:http/TCP")?.map((e) => [e.endpoint, e.ready, e.isLocal]),
    [
      ["10.42.1.5:8080", true, true],
      ["10.42.2.6:8080", false, false],
    ],
  );
  assert.deepEqual(
    byPort.get("shop/web:dns/UDP")?.map((e) => e.endpoint),
    ["10.42.1.7:53"],
  );
  assert.deepEqual(slicesFromEndpoints(ep(undefined)), []);
});

test("applyEndpoints deletes the slices of subsets that went away", () => {
  const calls: string[] = [];
  const sink = {
    onEndpointSliceUpdate: (_: EndpointSlice | undefined, s: EndpointSlice) =>
      calls.push(`update ${s.metadata?.name} ${s.endpoints?.length}`),
    onEndpointSliceDelete: (s: EndpointSlice) => calls.push(`delete ${s.metadata?.name}`),
  };
  const two = ep([
    { addresses: [{ ip: "10.42.1.5" }], ports: [{ port: 80 }] },
    { addresses: [{ ip: "10.42.1.6" }], ports: [{ port: 81 }] },
  ]);
  const one = ep([
    { addresses: [{ ip: "10.42.1.5" }, { ip: "10.42.1.8" }], ports: [{ port: 80 }] },
  ]);
  const cases: [Endpoints | undefined, Endpoints | undefined, string[]][] = [
    [undefined, two, ["update web-ep0 1", "update web-ep1 1"]],
    [two, one, ["delete web-ep1", "update web-ep0 2"]],
    [one, undefined, ["delete web-ep0"]],
  ];
  for (const [prev, next, want] of cases) {
    calls.length = 0;
    applyEndpoints(sink, prev, next);
    assert.deepEqual(calls, want);
  }
});
