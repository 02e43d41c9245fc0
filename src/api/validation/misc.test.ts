import { test } from "node:test";
import assert from "node:assert/strict";
import { validateEndpointSlice } from "./misc.ts";

test("EndpointSlice port names are DNS-1123 labels, as the service port names copied into them", () => {
  const slice = (name: string) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "s", namespace: "default" },
    addressType: "IPv4",
    endpoints: [],
    ports: [{ name, protocol: "TCP", port: null }],
  });
  for (const ok of ["80-8080", "80", "http", ""]) {
    assert.deepEqual(validateEndpointSlice(slice(ok)), [], ok);
  }
  for (const bad of ["HTTP", "a_b", "-a"]) {
    assert.ok(validateEndpointSlice(slice(bad)).length > 0, bad);
  }
});
