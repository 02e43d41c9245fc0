import { test } from "node:test";
import assert from "node:assert/strict";
import {
  findMatchingVolume,
  isDelayBindingMode,
  type MatchOptions,
  type PV,
  type PVC,
  type StorageClass,
} from "./volume-util.ts";

const pv = (name: string, size: string, extra: PV["spec"] = {}, phase = "Available"): PV => ({
  metadata: { name },
  spec: {
    capacity: { storage: size },
    accessModes: ["ReadWriteOnce"],
    storageClassName: "local",
    ...extra,
  },
  status: { phase },
});
const claim: PVC = {
  metadata: { name: "data", namespace: "ns", uid: "u1" },
  spec: {
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
    storageClassName: "local",
  },
};
const onNode = (node: string): PV["spec"] => ({
  nodeAffinity: { required: { nodeSelectorTerms: [{ node }] } },
});
const nodeIs =
  (node: string) =>
  (v: PV): boolean =>
    !v.spec?.nodeAffinity ||
    (v.spec.nodeAffinity.required?.nodeSelectorTerms[0] as { node: string }).node === node;

test("findMatchingVolume: controller and scheduler paths, delayed binding, reservations", () => {
  const small = pv("small", "2Gi");
  const big = pv("big", "10Gi");
  const n2 = pv("on-n2", "1Gi", onNode("n2"));
  const reserved = pv("reserved", "5Gi", {
    claimRef: { namespace: "ns", name: "data" },
    storageClassName: "other",
  });
  const reservedN2 = pv("reserved-n2", "5Gi", {
    claimRef: { namespace: "ns", name: "data", uid: "u1" },
    ...onNode("n2"),
  });
  const forOther = pv("other", "1Gi", { claimRef: { namespace: "ns", name: "x" } });
  const released = pv("released", "1Gi", {}, "Released");
  const cases: { name: string; pvs: PV[]; opts?: MatchOptions; want: string | undefined }[] = [
    { name: "smallest fit", pvs: [big, small, forOther, released], want: "small" },
    {
      name: "too small / other class",
      pvs: [pv("a", "500Mi"), pv("b", "5Gi", { storageClassName: "x" })],
      want: undefined,
    },
    {
      name: "reserved wins over a smaller fit, whatever its class",
      pvs: [small, reserved],
      want: "reserved",
    },
    {
      name: "delayed: controller takes only reserved",
      pvs: [small],
      opts: { delayBinding: true },
      want: undefined,
    },
    {
      name: "delayed: controller takes reserved",
      pvs: [small, reserved],
      opts: { delayBinding: true },
      want: "reserved",
    },
    {
      name: "scheduler: node affinity filters",
      pvs: [n2, big],
      opts: { nodeMatches: nodeIs("n1"), delayBinding: true },
      want: "big",
    },
    {
      name: "scheduler: node affinity admits",
      pvs: [n2, big],
      opts: { nodeMatches: nodeIs("n2"), delayBinding: true },
      want: "on-n2",
    },
    {
      name: "scheduler: reserved elsewhere means none",
      pvs: [big, reservedN2],
      opts: { nodeMatches: nodeIs("n1") },
      want: undefined,
    },
    { name: "excluded", pvs: [small, big], opts: { excluded: new Set(["small"]) }, want: "big" },
  ];
  for (const c of cases)
    assert.equal(findMatchingVolume(c.pvs, claim, c.opts)?.metadata?.name, c.want, c.name);
});

test("isDelayBindingMode: only a found WaitForFirstConsumer class delays", () => {
  const classes: Record<string, StorageClass> = {
    wffc: { metadata: { name: "wffc" }, volumeBindingMode: "WaitForFirstConsumer" },
    now: { metadata: { name: "now" }, volumeBindingMode: "Immediate" },
  };
  const get = (n: string) => classes[n];
  const withClass = (storageClassName?: string): PVC => ({ spec: { storageClassName } });
  assert.deepEqual(
    [undefined, "", "now", "wffc", "missing"].map((c) => isDelayBindingMode(withClass(c), get)),
    [false, false, false, true, false],
  );
});
