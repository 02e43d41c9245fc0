import { test } from "node:test";
import assert from "node:assert/strict";
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.d.ts";
import { claimHostPath, ClaimError, type ClaimSource } from "./claim-volume.ts";

const claim = (o: { phase?: string; volumeName?: string } = {}): PersistentVolumeClaim => ({
  metadata: { name: "data", namespace: "ns", uid: "claim-uid" },
  spec: { volumeName: o.volumeName ?? "pv-1" },
  status: { phase: o.phase ?? "Bound" },
});

const volume = (spec: PersistentVolume["spec"]): PersistentVolume => ({
  metadata: { name: "pv-1" },
  spec: { claimRef: { namespace: "ns", name: "data", uid: "claim-uid" }, ...spec },
});

const source = (pvc?: PersistentVolumeClaim, pv?: PersistentVolume): ClaimSource => ({
  persistentVolumeClaim: async (ns, name) =>
    pvc && ns === "ns" && name === pvc.metadata?.name ? pvc : undefined,
  persistentVolume: async (name) => (pv && name === pv.metadata?.name ? pv : undefined),
});

test("claimHostPath: the host path of a bound claim's hostPath or local volume, else why not", async () => {
  const cases: [string, Partial<ClaimSource>, { path: string; type: string } | RegExp][] = [
    [
      "hostPath volume",
      source(claim(), volume({ hostPath: { path: "/srv/data", type: "DirectoryOrCreate" } })),
      { path: "/srv/data", type: "DirectoryOrCreate" },
    ],
    [
      "local volume",
      source(claim(), volume({ local: { path: "/mnt/disk1" } })),
      { path: "/mnt/disk1", type: "" },
    ],
    ["no claim", source(), /^persistentvolumeclaim "data" not found$/],
    [
      "pending claim",
      source(claim({ phase: "Pending", volumeName: "" })),
      /^PVC ns\/data has non-bound phase \("Pending"\) or empty pvc.Spec.VolumeName \(""\)$/,
    ],
    ["missing volume", source(claim()), /^persistentvolume "pv-1" not found$/],
    [
      "volume bound to another claim",
      source(
        claim(),
        volume({
          hostPath: { path: "/srv" },
          claimRef: { namespace: "ns", name: "other", uid: "other-uid" },
        }),
      ),
      /bound to claim ns\/other, not ns\/data/,
    ],
    [
      "network volume",
      source(claim(), volume({ nfs: { server: "nfs", path: "/x" } })),
      /only hostPath and local volumes/,
    ],
    ["no claim source", {}, /not supported on this node/],
  ];
  for (const [name, src, want] of cases) {
    const got = claimHostPath(src, "ns", "data");
    if (want instanceof RegExp)
      await assert.rejects(
        got,
        (err: unknown) => err instanceof ClaimError && want.test(err.message),
        name,
      );
    else assert.deepEqual(await got, want, name);
  }
});
