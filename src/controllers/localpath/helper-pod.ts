/**
 * The pod that removes a local-path volume's directory on a node other than
 * the provisioner's own, as k3s's local-path-provisioner does with its
 * helper pods: busybox, bound to the node by nodeName (no scheduling),
 * tolerating every taint, with the storage dir mounted, running `rm -rf` on
 * the volume's directory only.
 */
import { basename, dirname } from "node:path";
import type { KObject } from "../../api/types.ts";

export const HELPER_NAMESPACE = "kube-system";
/** Label on helper pods naming the volume they clean up. */
export const HELPER_VOLUME_LABEL = "local-path.k8ts.io/volume";

/** The helper pod's name for a volume (stable, so a retry finds it). */
export const helperPodName = (pvName: string): string => `helper-pod-delete-${pvName}`;

/** A pod that deletes `path` (a directory directly inside the storage dir) on `node`. */
export function helperPod(opts: {
  pvName: string;
  node: string;
  path: string;
  image: string;
}): KObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: helperPodName(opts.pvName),
      namespace: HELPER_NAMESPACE,
      labels: { [HELPER_VOLUME_LABEL]: opts.pvName },
    },
    spec: {
      nodeName: opts.node,
      restartPolicy: "Never",
      terminationGracePeriodSeconds: 1,
      tolerations: [{ operator: "Exists" }],
      containers: [
        {
          name: "helper-pod",
          image: opts.image,
          imagePullPolicy: "IfNotPresent",
          command: ["rm", "-rf", `/storage/${basename(opts.path)}`],
          volumeMounts: [{ name: "storage", mountPath: "/storage" }],
        },
      ],
      volumes: [
        { name: "storage", hostPath: { path: dirname(opts.path), type: "DirectoryOrCreate" } },
      ],
    },
  };
}
