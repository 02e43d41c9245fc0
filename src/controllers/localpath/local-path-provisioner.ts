/**
 * A node-local volume provisioner in the manner of k3s's
 * local-path-provisioner (and sig-storage's external-provisioner library):
 * - it answers claims the PV controller has annotated with its name
 *   (volume.kubernetes.io/storage-provisioner) whose class names it as
 *   provisioner, once the scheduler has chosen a node for them
 *   (volume.kubernetes.io/selected-node; its classes wait for the first
 *   consumer). It creates the volume `pvc-<claim uid>`: a hostPath
 *   (DirectoryOrCreate, so the node's kubelet makes the directory on first
 *   mount) at `<storageDir>/<pv>_<namespace>_<claim>`, pinned to that node
 *   by node affinity and reserved for the claim (claimRef), which the PV
 *   controller then binds;
 * - a volume it provisioned that is Released with reclaimPolicy Delete has
 *   its directory removed, then is deleted: directly when it lives on this
 *   process's own node, else by a helper pod (busybox, `rm -rf`) run on its
 *   node, as k3s does. Directories are made the same way (mode 0777) before
 *   the volume is created. When that node no longer exists the volume is deleted
 *   and an event says the directory was left.
 * The default StorageClass `local-path` is created at start when absent.
 */
import { chmod, mkdir, rm } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import type { KObject } from "../../api/types.ts";
import type { EventRecorder } from "../../client/event-recorder.ts";
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { SharedInformer } from "../../client/informer/shared-informer.ts";
import { objectKey } from "../../client/informer/store.ts";
import {
  nodesRef,
  persistentVolumeClaimsRef,
  persistentVolumesRef,
  podsRef,
} from "../../client/resources.ts";
import { QueueController, type ControllerDeps } from "../queue-controller.ts";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_DYNAMICALLY_PROVISIONED,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  claimRefOf,
  storageClassesRef,
  syncVolumeKey,
  type PV,
  type PVC,
  type StorageClass,
} from "../volume/volume-util.ts";
import { ensureDefaultStorageClass, LOCAL_PATH_PROVISIONER } from "./default-storage-class.ts";
import {
  HELPER_CLAIM_ANNOTATION,
  HELPER_NAMESPACE,
  HELPER_VOLUME_LABEL,
  helperPod,
  helperPodName,
  type HelperAction,
} from "./helper-pod.ts";

const HOSTNAME_LABEL = "kubernetes.io/hostname";
/** Where volumes live when no data dir is given (k8ts's default data dir as root, plus /storage). */
export const DEFAULT_STORAGE_DIR = "/var/lib/k8ts/storage";
const SUPPORTED_MODES = new Set(["ReadWriteOnce", "ReadWriteOncePod"]);

export interface LocalPathOptions {
  /** Where volumes live on every node (k3s: --default-local-storage-path). */
  storageDir: string;
  /** This process's own node: its volumes' directories are removed here. */
  nodeName?: string;
  /** The provisioner name it answers to (default rancher.io/local-path). */
  provisionerName?: string;
  /** Create the default StorageClass at start when absent (default true). */
  createDefaultClass?: boolean;
  /** Image of the pods that remove directories on other nodes (default busybox). */
  helperImage?: string;
}

type Node = KObject & { metadata?: { labels?: Record<string, string> } };
type Pod = KObject & { status?: { phase?: string } };

/** The directory of a volume: `<storageDir>/<pv>_<namespace>_<claim>` (local-path's layout). */
export function volumePath(storageDir: string, pvName: string, claim: PVC): string {
  return join(storageDir, `${pvName}_${claim.metadata?.namespace}_${claim.metadata?.name}`);
}

/** The node a provisioned volume is pinned to (its hostname node affinity). */
export function volumeNode(pv: PV): string | undefined {
  for (const term of (pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? []) as {
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
  }[])
    for (const e of term.matchExpressions ?? [])
      if (e.key === HOSTNAME_LABEL && e.operator === "In" && e.values?.length === 1)
        return e.values[0];
  return undefined;
}

/**
 * The volume for a claim on a node, or why it cannot be made (upstream's
 * ProvisioningFailed message).
 */
export function provisionedVolume(
  claim: PVC,
  sc: StorageClass,
  node: Node,
  opts: { storageDir: string; provisionerName: string },
): PV | string {
  const modes = claim.spec?.accessModes ?? [];
  if (!modes.every((m) => SUPPORTED_MODES.has(m)))
    return `local-path volumes support only the ReadWriteOnce and ReadWriteOncePod access modes, not ${modes.join(", ")}`;
  if ((claim.spec?.volumeMode ?? "Filesystem") !== "Filesystem")
    return "local-path volumes support only volumeMode Filesystem";
  const name = `pvc-${claim.metadata?.uid}`;
  const hostname = node.metadata?.labels?.[HOSTNAME_LABEL] ?? node.metadata?.name ?? "";
  const mountOptions = (sc as { mountOptions?: string[] }).mountOptions;
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name,
      annotations: { [ANN_DYNAMICALLY_PROVISIONED]: opts.provisionerName },
    },
    spec: {
      capacity: { storage: claim.spec?.resources?.requests?.storage ?? "0" },
      accessModes: modes,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? "Delete",
      storageClassName: claimClass(claim),
      volumeMode: "Filesystem",
      ...(mountOptions?.length ? { mountOptions } : {}),
      hostPath: { path: volumePath(opts.storageDir, name, claim), type: "DirectoryOrCreate" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [hostname] }] },
          ],
        },
      },
      claimRef: claimRefOf(claim),
    },
  };
}

export class LocalPathProvisioner extends QueueController {
  private readonly claims: SharedInformer<PVC>;
  private readonly pvs: SharedInformer<PV>;
  private readonly classes: SharedInformer<StorageClass>;
  private readonly nodes: SharedInformer<Node>;
  private readonly pods: SharedInformer<Pod>;
  private readonly name: string;

  constructor(
    private readonly opts: ControllerDeps & LocalPathOptions & { recorder?: EventRecorder },
  ) {
    super("local-path-provisioner", opts);
    this.name = opts.provisionerName ?? LOCAL_PATH_PROVISIONER;
    this.claims = this.informer<PVC>(persistentVolumeClaimsRef);
    this.pvs = this.informer<PV>(persistentVolumesRef);
    this.classes = this.informer<StorageClass>(storageClassesRef);
    this.nodes = this.informer<Node>(nodesRef);
    const claimChanged = (c: PVC) => this.queue.add(`pvc/${objectKey(c)}`);
    this.claims.addEventHandler({ add: claimChanged, update: (_, c) => claimChanged(c) });
    const pvChanged = (pv: PV) => {
      if (pv.metadata?.annotations?.[ANN_DYNAMICALLY_PROVISIONED] === this.name)
        this.queue.add(`pv/${objectKey(pv)}`);
    };
    this.pvs.addEventHandler({ add: pvChanged, update: (_, pv) => pvChanged(pv) });
    this.pods = this.informer<Pod>(podsRef);
    const helperChanged = (p: Pod) => {
      const pv = p.metadata?.labels?.[HELPER_VOLUME_LABEL];
      if (!pv || p.metadata?.namespace !== HELPER_NAMESPACE) return;
      const claim = p.metadata?.annotations?.[HELPER_CLAIM_ANNOTATION];
      this.queue.add(claim ? `pvc/${claim}` : `pv/${pv}`);
    };
    this.pods.addEventHandler({ add: helperChanged, update: (_, p) => helperChanged(p) });
  }

  override async run(workers: number, signal: AbortSignal): Promise<void> {
    if (this.opts.createDefaultClass !== false)
      void ensureDefaultStorageClass(this.opts.client, {
        clock: this.opts.clock,
        signal,
        provisioner: this.name,
      });
    await super.run(workers, signal);
  }

  sync(key: string): Promise<void> {
    return syncVolumeKey(
      key,
      (name) => this.syncVolume(name),
      (claimKey) => this.syncClaim(claimKey),
    );
  }

  private event(obj: KObject, type: "Normal" | "Warning", reason: string, message: string) {
    this.opts.recorder?.event(obj, type, reason, message);
  }

  /** Whether this provisioner should make a volume for the claim now (the library's shouldProvision). */
  private wants(claim: PVC): StorageClass | undefined {
    if (claim.metadata?.deletionTimestamp || claim.spec?.volumeName) return undefined;
    const ann = claim.metadata?.annotations ?? {};
    if ((ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) !== this.name)
      return undefined;
    const sc = this.classes.indexer.get(claimClass(claim));
    return sc?.provisioner === this.name ? sc : undefined;
  }

  private async syncClaim(key: string): Promise<void> {
    const claim = this.claims.indexer.get(key);
    const sc = claim && this.wants(claim);
    if (!claim || !sc) return;
    const pvName = `pvc-${claim.metadata?.uid}`;
    if (this.pvs.indexer.get(pvName)) return; // made already: the PV controller binds it
    const nodeName = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    if (!nodeName) {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        "configuration error, no node was specified",
      );
      return;
    }
    const node = this.nodes.indexer.get(nodeName);
    if (!node) {
      // The node is gone: the scheduler must choose again (the library's reschedule).
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to get target node: node "${nodeName}" not found`,
      );
      const next = structuredClone(claim);
      delete next.metadata!.annotations![ANN_SELECTED_NODE];
      await this.opts.client.update(persistentVolumeClaimsRef, next);
      return;
    }
    const ref = `${claim.metadata?.namespace}/${claim.metadata?.name}`;
    this.event(
      claim,
      "Normal",
      "Provisioning",
      `External provisioner is provisioning volume for claim "${ref}"`,
    );
    const pv = provisionedVolume(claim, sc, node, {
      storageDir: this.opts.storageDir,
      provisionerName: this.name,
    });
    if (typeof pv === "string") {
      this.event(
        claim,
        "Warning",
        "ProvisioningFailed",
        `failed to provision volume with StorageClass "${sc.metadata?.name}": ${pv}`,
      );
      return;
    }
    // The directory is made first, writable by any user (0777, as
    // local-path's setup script) so non-root containers can use it: here on
    // this process's own node, by a helper pod on another node.
    const dir = pv.spec?.hostPath?.path ?? "";
    if (nodeName === this.opts.nodeName && this.inStorageDir(dir)) {
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
    } else if (this.inStorageDir(dir)) {
      const done = await this.helperDone(pv, dir, nodeName, "create", key).catch((err: unknown) => {
        this.event(claim, "Warning", "ProvisioningFailed", (err as Error).message);
        throw err;
      });
      if (!done) return; // its pod's events bring the claim back
    }
    try {
      await this.opts.client.create(persistentVolumesRef, undefined, pv);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return;
    }
    this.event(
      claim,
      "Normal",
      "ProvisioningSucceeded",
      `Successfully provisioned volume ${pvName}`,
    );
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.pvs.indexer.get(name);
    if (!pv || pv.metadata?.deletionTimestamp) return;
    if (pv.status?.phase !== "Released" || pv.spec?.persistentVolumeReclaimPolicy !== "Delete")
      return;
    const path = pv.spec?.hostPath?.path;
    const node = volumeNode(pv);
    const ours = !!path && this.inStorageDir(path);
    if (ours && node && node === this.opts.nodeName) {
      try {
        await rm(path, { recursive: true, force: true });
      } catch (err) {
        this.event(pv, "Warning", "VolumeFailedDelete", `failed to remove ${path}: ${String(err)}`);
        throw err;
      }
    } else if (ours && node && this.nodes.indexer.get(node)) {
      if (!(await this.helperDone(pv, path, node, "delete"))) return; // its pod's events bring us back
    } else if (path) {
      this.event(
        pv,
        "Normal",
        "VolumeDelete",
        `directory ${path} is left on node ${node ?? "(none)"}: the node no longer exists`,
      );
    }
    await this.opts.client.delete(persistentVolumesRef, undefined, name);
  }

  /**
   * Runs (or checks) the helper pod making or removing `path` on `node`: true
   * once it has succeeded (and is deleted), false while it runs; throws when
   * it failed (deleted, so the retry runs a new one).
   */
  private async helperDone(
    pv: PV,
    path: string,
    node: string,
    action: HelperAction,
    claimKey?: string,
  ): Promise<boolean> {
    const pvName = pv.metadata?.name ?? "";
    const podName = helperPodName(pvName, action);
    const pod = this.pods.indexer.get(`${HELPER_NAMESPACE}/${podName}`);
    if (!pod) {
      const image = this.opts.helperImage ?? "busybox";
      await this.opts.client
        .create(
          podsRef,
          HELPER_NAMESPACE,
          helperPod({ pvName, node, path, image, action, claimKey }),
        )
        .catch((err: unknown) => {
          if (!isAlreadyExists(err)) throw err;
        });
      return false;
    }
    const phase = pod.status?.phase;
    if (phase !== "Succeeded" && phase !== "Failed") return false;
    await this.opts.client.delete(podsRef, HELPER_NAMESPACE, podName).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    if (phase === "Failed") {
      const msg = `helper pod ${HELPER_NAMESPACE}/${podName} failed to ${action} ${path} on node ${node}`;
      if (action === "delete") this.event(pv, "Warning", "VolumeFailedDelete", msg);
      throw new Error(msg);
    }
    return true;
  }

  /** Only paths strictly inside the storage dir are ever removed. */
  private inStorageDir(path: string): boolean {
    const rel = relative(this.opts.storageDir, path);
    return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) && !rel.includes("/");
  }
}
