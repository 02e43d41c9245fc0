/**
 * RbacSource keeps one snapshot while the RBAC resources do not change
 * (however old it gets), and a change seen through the watch caches makes
 * the next snapshot a new read that includes it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { useTestServer } from "../../apiserver/testing/test-server.ts";
import { RbacSource } from "./source.ts";

const api = useTestServer();

const until = async <T>(what: string, fn: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 3000; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened`);
};

test("a snapshot is kept until an RBAC object changes, then re-read", async () => {
  const source = new RbacSource(api.server.context, 1000);
  // The first call starts the watch; once it is live a snapshot outlives maxAge.
  const settled = await until("a snapshot that stays", async () => {
    const a = await source.snapshot(false);
    api.clock.advance(2_000);
    return (await source.snapshot(false)) === a ? a : undefined;
  });
  api.clock.advance(60_000);
  assert.equal(await source.snapshot(false), settled, "kept a minute later: nothing changed");
  // A change to an unrelated resource does not matter.
  const cm = await api.call("POST", "/api/v1/namespaces/default/configmaps", {
    metadata: { name: "unrelated" },
  });
  assert.equal(cm.status, 201);
  assert.equal(await source.snapshot(false), settled);
  const created = await api.call(
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
    {
      metadata: { name: "readers" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "User", name: "jane", apiGroup: "rbac.authorization.k8s.io" }],
    },
  );
  assert.equal(created.status, 201, created.text);
  const next = await until("the binding is seen", async () => {
    const s = await source.snapshot(false);
    return s.roleBindings.get("default")?.some((b) => b.name === "readers") ? s : undefined;
  });
  assert.notEqual(next, settled);
  assert.equal(await source.snapshot(false), next, "kept again after the re-read");
});
