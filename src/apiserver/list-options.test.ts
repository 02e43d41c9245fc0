import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../api/status.ts";
import { builtinRegistry } from "../api/registry.ts";
import { decodeContinue, encodeContinue, parseListOptions } from "./list-options.ts";

const pods = builtinRegistry().get("", "v1", "pods")!;
const configmaps = builtinRegistry().get("", "v1", "configmaps")!;

test("continue tokens round-trip in upstream's format", () => {
  const token = encodeContinue(42, "default/web");
  const raw = JSON.parse(Buffer.from(token, "base64").toString());
  assert.deepEqual(raw, { v: "meta.k8s.io/v1", rv: 42, start: "default/web\u0000" });
  assert.deepEqual(decodeContinue(token), { rv: 42, start: "default/web" });
  // Ours: the keys left when the page knew them; a bad count is dropped, not an error.
  const counted = encodeContinue(42, "default/web", 7);
  assert.deepEqual(decodeContinue(counted), { rv: 42, start: "default/web", remaining: 7 });
  for (const remaining of [-1, 1.5, "7", null]) {
    const odd = { v: "meta.k8s.io/v1", rv: 42, start: "a\u0000", remaining };
    const decoded = decodeContinue(Buffer.from(JSON.stringify(odd)).toString("base64"));
    assert.deepEqual(decoded, { rv: 42, start: "a" }, String(remaining));
  }
  for (const bad of [
    "%%%",
    Buffer.from('{"v":"x","rv":1,"start":"a"}').toString("base64"),
    Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"a"}').toString("base64"),
    Buffer.from('{"v":"meta.k8s.io/v1","rv":3,"start":"../x"}').toString("base64"),
  ]) {
    assert.throws(
      () => decodeContinue(bad),
      (e: unknown) => e instanceof StatusError && e.code === 400,
      bad,
    );
  }
});

test("parseListOptions validates selectors and parameters per resource", () => {
  const ok: [typeof pods, string][] = [
    [pods, "fieldSelector=spec.nodeName%3Dn1,status.phase!%3DFailed"],
    [pods, "labelSelector=app%20in%20(a,b),!canary&limit=10"],
    [configmaps, "fieldSelector=metadata.name%3Dx"],
    [configmaps, "resourceVersion=5&resourceVersionMatch=NotOlderThan"],
  ];
  for (const [def, q] of ok)
    assert.doesNotThrow(() => parseListOptions(def, new URLSearchParams(q)), q);
  const bad: [typeof pods, string, number][] = [
    [configmaps, "fieldSelector=spec.nodeName%3Dn1", 400],
    [pods, "labelSelector=a%20in%20(", 400],
    [pods, "limit=-1", 400],
    [pods, "resourceVersion=abc", 400],
    [pods, "resourceVersionMatch=Exact", 422],
    [pods, "resourceVersion=0&resourceVersionMatch=Exact", 422],
    [pods, "sendInitialEvents=true", 422],
  ];
  for (const [def, q, code] of bad) {
    assert.throws(
      () => parseListOptions(def, new URLSearchParams(q)),
      (e: unknown) => e instanceof StatusError && e.code === code,
      q,
    );
  }
  const opts = parseListOptions(
    pods,
    new URLSearchParams("fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dweb"),
  );
  const pod = (node: string, app: string) => ({
    metadata: { name: "p", namespace: "d", labels: { app } },
    spec: { nodeName: node },
  });
  assert.equal(opts.matches(pod("n1", "web")), true);
  assert.equal(opts.matches(pod("n2", "web")), false);
  assert.equal(opts.matches(pod("n1", "db")), false);
});
