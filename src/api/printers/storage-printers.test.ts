import { test } from "node:test";
import assert from "node:assert/strict";
import {
  accessModes,
  persistentVolumeClaimPrinter,
  persistentVolumePrinter,
  resourceQuotaPrinter,
  storageClassPrinter,
} from "./storage-printers.ts";
import { ago, headers, meta, rowOf } from "./testing.ts";

test("access modes print in upstream's fixed order", () => {
  assert.equal(accessModes(["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"]), "RWO,RWX");
  assert.equal(accessModes(["ReadWriteOncePod", "ReadOnlyMany"]), "ROX,RWOP");
  assert.equal(accessModes(undefined), "");
});

test("persistentvolumes", () => {
  assert.deepEqual(headers(persistentVolumePrinter), [
    "Name:0",
    "Capacity:0",
    "Access Modes:0",
    "Reclaim Policy:0",
    "Status:0",
    "Claim:0",
    "StorageClass:0",
    "VolumeAttributesClass:0",
    "Reason:0",
    "Age:0",
    "VolumeMode:1",
  ]);
  const pv = {
    metadata: { name: "pv1", creationTimestamp: ago(5 * 60_000) },
    spec: {
      capacity: { storage: "1024Mi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      claimRef: { namespace: "default", name: "data" },
      storageClassName: "local",
      volumeMode: "Filesystem",
    },
    status: { phase: "Bound" },
  };
  assert.deepEqual(rowOf(persistentVolumePrinter, pv), [
    "pv1",
    "1Gi",
    "RWO",
    "Retain",
    "Bound",
    "default/data",
    "local",
    "<unset>",
    "",
    "5m",
    "Filesystem",
  ]);
  const deleting = {
    metadata: {
      name: "pv2",
      deletionTimestamp: ago(0),
      annotations: { "volume.beta.kubernetes.io/storage-class": "beta" },
    },
    spec: { storageClassName: "ignored" },
    status: { phase: "Released", reason: "Failed" },
  };
  const row = rowOf(persistentVolumePrinter, deleting);
  assert.deepEqual(
    [row[1], row[4], row[5], row[6], row[8], row[10]],
    ["0", "Terminating", "", "beta", "Failed", "<unset>"],
  );
});

test("persistentvolumeclaims show capacity and modes only once bound", () => {
  assert.deepEqual(headers(persistentVolumeClaimPrinter), [
    "Name:0",
    "Status:0",
    "Volume:0",
    "Capacity:0",
    "Access Modes:0",
    "StorageClass:0",
    "VolumeAttributesClass:0",
    "Age:0",
    "VolumeMode:1",
  ]);
  const bound = {
    metadata: meta("data"),
    spec: { volumeName: "pv1", storageClassName: "local", volumeMode: "Filesystem" },
    status: { phase: "Bound", capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"] },
  };
  assert.deepEqual(rowOf(persistentVolumeClaimPrinter, bound), [
    "data",
    "Bound",
    "pv1",
    "2Gi",
    "RWO",
    "local",
    "<unset>",
    "5m",
    "Filesystem",
  ]);
  const pending = {
    metadata: meta("p"),
    spec: { resources: { requests: { storage: "1Gi" } } },
    status: { phase: "Pending" },
  };
  assert.deepEqual(rowOf(persistentVolumeClaimPrinter, pending), [
    "p",
    "Pending",
    "",
    "",
    "",
    "",
    "<unset>",
    "5m",
    "<unset>",
  ]);
});

test("storageclasses mark the default and fill upstream's defaults", () => {
  assert.deepEqual(headers(storageClassPrinter), [
    "Name:0",
    "Provisioner:0",
    "ReclaimPolicy:0",
    "VolumeBindingMode:0",
    "AllowVolumeExpansion:0",
    "Age:0",
  ]);
  const sc = {
    metadata: {
      ...meta("local-path"),
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner: "rancher.io/local-path",
    volumeBindingMode: "WaitForFirstConsumer",
  };
  assert.deepEqual(rowOf(storageClassPrinter, sc), [
    "local-path (default)",
    "rancher.io/local-path",
    "Delete",
    "WaitForFirstConsumer",
    false,
    "5m",
  ]);
  const other = {
    metadata: meta("fast"),
    provisioner: "x",
    reclaimPolicy: "Retain",
    allowVolumeExpansion: true,
  };
  assert.deepEqual(rowOf(storageClassPrinter, other), [
    "fast",
    "x",
    "Retain",
    "Immediate",
    true,
    "5m",
  ]);
});

test("resourcequotas split requests and limits, sorted, canonical quantities", () => {
  assert.deepEqual(headers(resourceQuotaPrinter), ["Name:0", "Request:0", "Limit:0", "Age:0"]);
  const rq = {
    metadata: meta("q"),
    status: {
      hard: { "limits.memory": "2Gi", pods: "10", "requests.cpu": "1", "limits.cpu": "2000m" },
      used: { pods: "3", "requests.cpu": "500m", "limits.memory": "1536Mi" },
    },
  };
  assert.deepEqual(rowOf(resourceQuotaPrinter, rq), [
    "q",
    "pods: 3/10, requests.cpu: 500m/1",
    "limits.cpu: 0/2, limits.memory: 1536Mi/2Gi",
    "5m",
  ]);
  assert.deepEqual(rowOf(resourceQuotaPrinter, { metadata: meta("e") }), ["e", "", "", "5m"]);
});
