import { test } from "node:test";
import assert from "node:assert/strict";
import { builtinAdmission } from "./builtin-admission.ts";
import { enabledPluginNames, orderAdmissionPlugins } from "./plugin-order.ts";

test("flags choose plugins; order is always upstream's", () => {
  const names = (enable: string[], disable: string[]) =>
    builtinAdmission({ enable, disable })
      .chain([
        { name: "NodeRestriction" },
        { name: "RBACEscalation" },
        { name: "ValidatingAdmissionWebhook" },
      ])
      .map((p) => p.name);
  assert.deepEqual(names([], []), [
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "PodSecurity",
    "Priority",
    "DefaultTolerationSeconds",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
    "PersistentVolumeClaimResize",
    "RuntimeClass",
    "CertificateSubjectRestriction",
    "DefaultIngressClass",
    "RBACEscalation",
    "ValidatingAdmissionWebhook",
    "ResourceQuota",
  ]);
  const custom = names(["AlwaysPullImages"], ["LimitRanger", "NodeRestriction", "PodSecurity"]);
  assert.equal(custom.indexOf("AlwaysPullImages"), custom.indexOf("TaintNodesByCondition") + 1);
  for (const gone of ["LimitRanger", "NodeRestriction", "PodSecurity"])
    assert.ok(!custom.includes(gone));
});

test("unknown names are rejected; a name both enabled and disabled stays on", () => {
  assert.throws(
    () => enabledPluginNames(["Nope"], []),
    /enable-admission-plugins plugin "Nope" is unknown/,
  );
  assert.throws(
    () => enabledPluginNames([], ["Nope"]),
    /disable-admission-plugins plugin "Nope" is unknown/,
  );
  assert.ok(enabledPluginNames(["Priority"], ["Priority"]).has("Priority"));
  assert.deepEqual(
    orderAdmissionPlugins([
      { name: "ResourceQuota" },
      { name: "x" },
      { name: "NamespaceLifecycle" },
    ]).map((p) => p.name),
    ["NamespaceLifecycle", "x", "ResourceQuota"],
  );
});
