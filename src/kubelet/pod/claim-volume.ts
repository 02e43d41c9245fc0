/**
 * persistentVolumeClaim volumes backed by node-local storage: the claim
 * must be Bound to a PersistentVolume (upstream's volume manager refuses
 * others with the same message), and that volume must be a hostPath or
 * local volume, whose host path the pod's containers then mount.
 */
import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.d.ts";

/** Reads claims and volumes (the kubelet's API client; absent: claims are not supported). */
export interface ClaimSource {
  persistentVolumeClaim(
    namespace: string,
    name: string,
  ): Promise<PersistentVolumeClaim | undefined>;
  persistentVolume(name: string): Promise<PersistentVolume | undefined>;
}

/** A claim that cannot be mounted (yet); the pod waits in ContainerCreating with a FailedMount event. */
export class ClaimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ClaimError";
  }
}

/** Where a bound claim's volume lives on the host, with its hostPath type ("" for local volumes). */
export async function claimHostPath(
  source: Partial<ClaimSource>,
  namespace: string,
  claimName: string,
): Promise<{ path: string; type: string }> {
  if (!source.persistentVolumeClaim || !source.persistentVolume)
    throw new ClaimError(`persistentVolumeClaim volumes are not supported on this node`);
  const pvc = await source.persistentVolumeClaim(namespace, claimName);
  if (!pvc) throw new ClaimError(`persistentvolumeclaim "${claimName}" not found`);
  const phase = pvc.status?.phase ?? "";
  const volumeName = pvc.spec?.volumeName ?? "";
  if (phase !== "Bound" || !volumeName)
    throw new ClaimError(
      `PVC ${namespace}/${claimName} has non-bound phase ("${phase}") or empty pvc.Spec.VolumeName ("${volumeName}")`,
    );
  const pv = await source.persistentVolume(volumeName);
  if (!pv) throw new ClaimError(`persistentvolume "${volumeName}" not found`);
  const ref = pv.spec?.claimRef;
  if (ref?.uid && ref.uid !== pvc.metadata?.uid)
    throw new ClaimError(
      `persistentvolume "${volumeName}" is bound to claim ${ref.namespace}/${ref.name}, not ${namespace}/${claimName}`,
    );
  if (pv.spec?.hostPath?.path)
    return { path: pv.spec.hostPath.path, type: pv.spec.hostPath.type ?? "" };
  if (pv.spec?.local?.path) return { path: pv.spec.local.path, type: "" };
  throw new ClaimError(
    `persistentvolume "${volumeName}": only hostPath and local volumes can be mounted on this node`,
  );
}
