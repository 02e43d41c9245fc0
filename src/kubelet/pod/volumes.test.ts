import { test } from "node:test";
import assert from "node:assert/strict";
import { containerMounts, readOnlyVolumes } from "./volumes.ts";

test("a claim's readOnly or the mount's readOnly mounts a volume read-only", () => {
  const pod = {
    spec: {
      volumes: [
        { name: "ro-claim", persistentVolumeClaim: { claimName: "a", readOnly: true } },
        { name: "rw-claim", persistentVolumeClaim: { claimName: "b" } },
        { name: "scratch", emptyDir: {} },
      ],
    },
  };
  const hostPaths = new Map([
    ["ro-claim", "/v/a"],
    ["rw-claim", "/v/b"],
    ["scratch", "/v/c"],
  ]);
  const mounts = containerMounts(
    {
      name: "c",
      volumeMounts: [
        { name: "ro-claim", mountPath: "/a" },
        { name: "rw-claim", mountPath: "/b" },
        { name: "scratch", mountPath: "/c", readOnly: true },
      ],
    },
    hostPaths,
    readOnlyVolumes(pod),
  );
  assert.deepEqual(
    mounts.map((m) => [m.containerPath, m.readonly]),
    [
      ["/a", true],
      ["/b", false],
      ["/c", true],
    ],
  );
});
