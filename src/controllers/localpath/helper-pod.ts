/**
 * The pods that make (mode 0777) and remove a local-path volume's directory
 * on a node other than the provisioner's own, as k3s's local-path-provisioner
 * does with its helper pods: busybox, bound to the node by nodeName (no
 * scheduling), tolerating every taint, with the storage dir mounted, running
 * `mkdir` or `rm -rf` on the volume's directory only.
 */
import { basename, dirname } from "node:path";
import type { KObject } from "../../api/types.ts";

export const HELPER_NAMESPACE = "kube-system";
/** Label on helper pods naming the volume they work for. */
export const HELPER_VOLUME_LABEL = "local-path.k8ts.io/volume";
/** Annotation on create helpers: the claim (namespace/name) being provisioned. */
export const HELPER_CLAIM_ANNOTATION = "local-path.k8ts.io/claim";

export type HelperAction = "create" | "delete";

/** The helper pod's name for a volume (stable, so a retry finds it). */
export const helperPodName = (pvName: string, action: HelperAction = "delete"): string =>
  `helper-pod-${action}-${pvName}`;

/** A pod that makes or deletes `path` (a directory directly inside the storage dir) on `node`. */
export function helperPod(opts: {
  pvName: string;
  node: string;
  path: string;
  image: string;
  action?: HelperAction;
  claimKey?: string;
}): KObject {
  const action = opts.action ?? "delete";
  const target = `/storage/${basename(opts.path)}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: helperPodName(opts.pvName, action),
      namespace: HELPER_NAMESPACE,
      labels: { [HELPER_VOLUME_LABEL]: opts.pvName },
      ...(opts.claimKey ? { annotations: { [HELPER_CLAIM_ANNOTATION]: opts.claimKey } } : {}),
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
          command:
            action === "create" ? ["mkdir", "-m", "0777", "-p", target] : ["rm", "-rf", target],
          volumeMounts: [{ name: "storage", mountPath: "/storage" }],
        },
      ],
      volumes: [
        { name: "storage", hostPath: { path: dirname(opts.path), type: "DirectoryOrCreate" } },
      ],
    },
  };
}
