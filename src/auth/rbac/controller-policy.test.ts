import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONTROLLER_SERVICE_ACCOUNTS,
  controllerClusterRoleBindings,
  controllerClusterRoles,
} from "./controller-policy.ts";
import { controllerStarters } from "../../controllers/manager.ts";
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from "./bootstrap-policy.ts";
import { ruleAllows } from "./rules.ts";
import type { PolicyRule } from "../types.ts";

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

test("the protection controllers' roles allow what they do and no more (upstream's rules)", () => {
  const rulesOf = (sa: string) =>
    (controllerClusterRoles().find((r) => r.metadata?.name === `system:controller:${sa}`) as
      { rules: PolicyRule[] } | undefined)!.rules;
  const allowed = (sa: string, verb: string, resource: string, subresource = "") =>
    rulesOf(sa).some((rule) =>
      ruleAllows(
        {
          user: { username: `system:serviceaccount:kube-system:${sa}`, groups: [] },
          verb,
          isResourceRequest: true,
          namespace: "default",
          apiGroup: "",
          apiVersion: "v1",
          resource,
          subresource,
          name: "x",
          path: "",
        },
        rule,
      ),
    );
  assert.equal(CONTROLLER_SERVICE_ACCOUNTS["pvc-protection"], "pvc-protection-controller");
  assert.equal(CONTROLLER_SERVICE_ACCOUNTS["pv-protection"], "pv-protection-controller");
  const cases: [string, string, string, boolean][] = [
    ["pvc-protection-controller", "update", "persistentvolumeclaims", true],
    ["pvc-protection-controller", "watch", "persistentvolumeclaims", true],
    ["pvc-protection-controller", "list", "pods", true],
    ["pvc-protection-controller", "create", "events", true],
    ["pvc-protection-controller", "delete", "persistentvolumeclaims", false],
    ["pvc-protection-controller", "update", "pods", false],
    ["pvc-protection-controller", "update", "persistentvolumes", false],
    ["pv-protection-controller", "update", "persistentvolumes", true],
    ["pv-protection-controller", "get", "persistentvolumes", true],
    ["pv-protection-controller", "delete", "persistentvolumes", false],
    ["pv-protection-controller", "list", "pods", false],
    ["pv-protection-controller", "update", "persistentvolumeclaims", false],
  ];
  for (const [sa, verb, resource, want] of cases)
    assert.equal(allowed(sa, verb, resource), want, `${sa} ${verb} ${resource}`);
});
