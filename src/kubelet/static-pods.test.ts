import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { orphanedMirrorPods } from "./static-pods.ts";

const pod = (ns: string, name: string, mirror: boolean): Pod => ({
  metadata: {
    namespace: ns,
    name,
    annotations: mirror ? { "kubernetes.io/config.mirror": "hash" } : undefined,
  },
});

test("orphanedMirrorPods: mirror pods without a static pod of the same namespace/name", () => {
  const statics = [pod("kube-system", "etcd-n1", false), pod("default", "web-n1", false)];
  const listed = [
    pod("kube-system", "etcd-n1", true),
    pod("default", "web-n1", true),
    pod("default", "gone-n1", true),
    pod("other", "web-n1", true),
    pod("default", "plain", false),
  ];
  assert.deepEqual(
    orphanedMirrorPods(listed, statics).map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`),
    ["default/gone-n1", "other/web-n1"],
  );
  assert.equal(
    orphanedMirrorPods(listed, []).length,
    4,
    "no static pods: every mirror is orphaned",
  );
});
