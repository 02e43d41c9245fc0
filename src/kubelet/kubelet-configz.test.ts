import { test } from "node:test";
import assert from "node:assert/strict";
import type { RestClient } from "../client/rest-client.ts";
import { kubeletConfigz } from "./kubelet-configz.ts";

const resolved = {
  podCIDR: "10.42.0.0/24",
  cgroupRoot: "/kubepods",
  hostIP: "127.0.0.1",
};

test("configz: upstream field names, defaults filled in", () => {
  const c = kubeletConfigz(
    { client: {} as RestClient, nodeName: "n", dataDir: "/d" },
    { ...resolved, evictionFlags: { hard: "memory.available<100Mi,nodefs.available<10%" } },
  ).kubeletconfig;
  assert.equal(c.kind, "KubeletConfiguration");
  assert.equal(c.apiVersion, "kubelet.config.k8s.io/v1beta1");
  assert.deepEqual(c.evictionHard, { "memory.available": "100Mi", "nodefs.available": "10%" });
  assert.equal(c.evictionSoft, undefined);
  assert.equal(c.evictionPressureTransitionPeriod, "5m0s");
  assert.equal(c.imageMinimumGCAge, "2m0s");
  assert.equal(c.imageGCHighThresholdPercent, 85);
  assert.equal(c.containerLogMaxSize, "10Mi");
  assert.equal(c.containerLogMaxFiles, 5);
  assert.equal(c.port, 10250);
});

test("configz: soft thresholds, grace periods, minimum reclaim and sizes as given", () => {
  const c = kubeletConfigz(
    {
      client: {} as RestClient,
      nodeName: "n",
      dataDir: "/d",
      containerLogMaxSize: 64 * 1024,
      evictionPressureTransitionMs: 90_000,
      imageGC: { minAgeMs: 0 },
    },
    {
      ...resolved,
      evictionFlags: {
        hard: "",
        soft: "nodefs.available<15%,memory.available<1Gi",
        softGracePeriod: "nodefs.available=1m30s,memory.available=30s",
        minimumReclaim: "nodefs.available=5%",
      },
    },
  ).kubeletconfig;
  assert.deepEqual(c.evictionHard, {});
  assert.deepEqual(c.evictionSoft, { "nodefs.available": "15%", "memory.available": "1Gi" });
  assert.deepEqual(c.evictionSoftGracePeriod, {
    "nodefs.available": "1m30s",
    "memory.available": "30s",
  });
  assert.deepEqual(c.evictionMinimumReclaim, { "nodefs.available": "5%" });
  assert.equal(c.evictionPressureTransitionPeriod, "1m30s");
  assert.equal(c.imageMinimumGCAge, "0s");
  assert.equal(c.containerLogMaxSize, "64Ki");
});
