import { test } from "node:test";
import assert from "node:assert/strict";
import {
  csiDriverPrinter,
  csiNodePrinter,
  csiStorageCapacityPrinter,
  mutatingWebhookConfigurationPrinter,
  scalePrinter,
  validatingAdmissionPolicyBindingPrinter,
  validatingAdmissionPolicyPrinter,
  volumeAttachmentPrinter,
} from "./extra-printers.ts";
import { printerFor } from "./printers.ts";
import { podPrinter } from "./pod-printer.ts";
import { headers, meta, rowOf } from "./testing.ts";

test("subresources: scale has its own table, status uses the main one", () => {
  assert.equal(printerFor("apps", "deployments/scale"), scalePrinter);
  assert.equal(printerFor("", "replicationcontrollers/scale"), scalePrinter);
  assert.equal(printerFor("", "pods/status"), podPrinter);
  assert.deepEqual(headers(scalePrinter), ["Name:0", "Desired:0", "Available:0", "Age:0"]);
  assert.equal(scalePrinter.columns[0]!.format, undefined);
  const scale = {
    metadata: meta("web"),
    spec: { replicas: 3 },
    status: { replicas: 2, selector: "app=web" },
  };
  assert.deepEqual(rowOf(scalePrinter, scale), ["web", 3, 2, "5m"]);
});

test("admission registration tables", () => {
  assert.deepEqual(headers(mutatingWebhookConfigurationPrinter), ["Name:0", "Webhooks:0", "Age:0"]);
  assert.deepEqual(
    rowOf(mutatingWebhookConfigurationPrinter, { metadata: meta("m"), webhooks: [{}, {}] }),
    ["m", 2, "5m"],
  );
  const vap = {
    metadata: meta("p"),
    spec: {
      validations: [{ expression: "true" }],
      paramKind: { apiVersion: "v1", kind: "ConfigMap" },
    },
  };
  assert.deepEqual(rowOf(validatingAdmissionPolicyPrinter, vap), ["p", 1, "v1/ConfigMap", "5m"]);
  assert.equal(
    rowOf(validatingAdmissionPolicyPrinter, { metadata: meta("q"), spec: {} })[2],
    "<unset>",
  );
  const bind = (paramRef?: unknown) => ({
    metadata: meta("b"),
    spec: { policyName: "p", paramRef },
  });
  assert.deepEqual(rowOf(validatingAdmissionPolicyBindingPrinter, bind()), [
    "b",
    "p",
    "<unset>",
    "5m",
  ]);
  assert.equal(
    rowOf(validatingAdmissionPolicyBindingPrinter, bind({ name: "cfg", namespace: "ns" }))[2],
    "ns/cfg",
  );
  assert.equal(rowOf(validatingAdmissionPolicyBindingPrinter, bind({ name: "cfg" }))[2], "*/cfg");
});

test("CSI storage tables", () => {
  const va = {
    metadata: meta("csi-123"),
    spec: { attacher: "csi.example.com", nodeName: "n1", source: { persistentVolumeName: "pv1" } },
    status: { attached: true },
  };
  assert.deepEqual(rowOf(volumeAttachmentPrinter, va), [
    "csi-123",
    "csi.example.com",
    "pv1",
    "n1",
    true,
    "5m",
  ]);
  assert.deepEqual(headers(csiDriverPrinter), [
    "Name:0",
    "AttachRequired:0",
    "PodInfoOnMount:0",
    "StorageCapacity:0",
    "TokenRequests:0",
    "RequiresRepublish:0",
    "Modes:0",
    "Age:0",
  ]);
  assert.deepEqual(rowOf(csiDriverPrinter, { metadata: meta("d"), spec: {} }), [
    "d",
    true,
    false,
    false,
    "<unset>",
    false,
    "<none>",
    "5m",
  ]);
  const full = {
    metadata: meta("e"),
    spec: {
      attachRequired: false,
      tokenRequests: [{ audience: "a" }, { audience: "b" }],
      volumeLifecycleModes: ["Persistent", "Ephemeral"],
    },
  };
  assert.deepEqual(rowOf(csiDriverPrinter, full).slice(1, 7), [
    false,
    false,
    false,
    "a,b",
    false,
    "Persistent,Ephemeral",
  ]);
  assert.deepEqual(rowOf(csiNodePrinter, { metadata: meta("n1"), spec: { drivers: [{}] } }), [
    "n1",
    1,
    "5m",
  ]);
  assert.deepEqual(
    rowOf(csiStorageCapacityPrinter, {
      metadata: meta("c"),
      storageClassName: "fast",
      capacity: "1024Mi",
    }),
    ["c", "fast", "1Gi"],
  );
  assert.deepEqual(
    rowOf(csiStorageCapacityPrinter, { metadata: meta("u"), storageClassName: "fast" }),
    ["u", "fast", "<unset>"],
  );
});
