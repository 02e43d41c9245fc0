/**
 * The default StorageClass `local-path`, as k3s ships it: provisioner
 * rancher.io/local-path (k3s's name, so manifests written for k3s that name
 * it, e.g. their own classes with another reclaim policy, work unchanged),
 * volumeBindingMode WaitForFirstConsumer (a node-local volume must be made
 * on the node its pod is scheduled to), reclaimPolicy Delete, marked
 * default. Created when absent; an existing class of that name is left as
 * the administrator made it.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists } from "../../client/api-error.ts";
import { sleep, type Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { storageClassesRef } from "../volume/volume-util.ts";

export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";
export const DEFAULT_CLASS_NAME = "local-path";

/** The class object (provisioner overridable for tests). */
export function defaultStorageClassObject(provisioner = LOCAL_PATH_PROVISIONER): KObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: {
      name: DEFAULT_CLASS_NAME,
      annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
    },
    provisioner,
    reclaimPolicy: "Delete",
    volumeBindingMode: "WaitForFirstConsumer",
  };
}

/**
 * Creates the class unless it exists; retries failures (the API may still be
 * starting) every 2 s until it is done or signal aborts. Resolves true when
 * this call created it.
 */
export async function ensureDefaultStorageClass(
  client: RestClient,
  opts: { clock: Clock; signal?: AbortSignal; provisioner?: string },
): Promise<boolean> {
  while (!opts.signal?.aborted) {
    try {
      await client.create(
        storageClassesRef,
        undefined,
        defaultStorageClassObject(opts.provisioner),
      );
      return true;
    } catch (err) {
      if (isAlreadyExists(err)) return false;
    }
    await sleep(opts.clock, 2000, opts.signal);
  }
  return false;
}
