import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONTROLLER_SERVICE_ACCOUNTS,
  controllerClusterRoleBindings,
  controllerClusterRoles,
} from "./controller-policy.ts";
import { controllerStarters } from "../../controllers/manager.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap-policy.ts";

test("every mapped controller exists and has its system:controller role bound to kube-system/<sa>", () => {
  const roles = new Set(controllerClusterRoles().map((r) => r.metadata?.name));
  const bindings = controllerClusterRoleBindings() as unknown as {
    metadata: { name: string };
    roleRef: { name: string };
    subjects: { kind: string; name: string; namespace: string }[];
  }[];
  for (const [controller, sa] of Object.entries(CONTROLLER_SERVICE_ACCOUNTS)) {
    assert.ok(controllerStarters[controller], `controller ${controller} is one the manager runs`);
    assert.ok(roles.has(`system:controller:${sa}`), sa);
    const b = bindings.find((x) => x.metadata.name === `system:controller:${sa}`);
    assert.equal(b?.roleRef.name, `system:controller:${sa}`);
    assert.deepEqual(b?.subjects, [{ kind: "ServiceAccount", name: sa, namespace: "kube-system" }]);
  }
  const all = new Set(bootstrapClusterRoles().map((r) => r.metadata?.name));
  assert.ok(all.has("system:controller:replicaset-controller"), "installed with the defaults");
  assert.ok(
    bootstrapClusterRoleBindings().some(
      (b) => b.metadata?.name === "system:controller:generic-garbage-collector",
    ),
  );
});
