import { test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../../api/types.ts";
import { fakeCluster, filterAll, makeNode, makePod } from "../../testing/wrappers.ts";
import { ErrReasonNodeConflict, ErrReasonUnboundImmediate, Name } from "./volumebinding.ts";

const pvc = (name: string, volumeName?: string): KObject => ({
  metadata: { name, namespace: "default" },
  spec: { volumeName },
});
const pv: KObject = {
  metadata: { name: "pv1" },
  spec: {
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["n1"] }] },
        ],
      },
    },
  },
};

test("VolumeBinding filter: bound claims follow their volume's node affinity", () => {
  const cluster = fakeCluster({
    nodes: [makeNode("n1").obj(), makeNode("n2").obj()],
    objects: {
      persistentvolumeclaims: [pvc("bound", "pv1"), pvc("unbound")],
      persistentvolumes: [pv],
    },
  });
  const withClaim = (claimName: string) =>
    makePod("p")
      .spec({ volumes: [{ name: "v", persistentVolumeClaim: { claimName } }] })
      .obj();
  const cases = [
    { name: "no claims", pod: makePod("p").obj(), want: { n1: "", n2: "" } },
    { name: "bound claim", pod: withClaim("bound"), want: { n1: "", n2: ErrReasonNodeConflict } },
    {
      name: "unbound immediate claim",
      pod: withClaim("unbound"),
      want: {
        n1: `prefilter: ${ErrReasonUnboundImmediate}`,
        n2: `prefilter: ${ErrReasonUnboundImmediate}`,
      },
    },
    {
      name: "missing claim",
      pod: withClaim("nope"),
      want: {
        n1: 'prefilter: persistentvolumeclaim "nope" not found',
        n2: 'prefilter: persistentvolumeclaim "nope" not found',
      },
    },
  ];
  for (const c of cases) assert.deepEqual(filterAll(cluster, Name, c.pod), c.want, c.name);
});
