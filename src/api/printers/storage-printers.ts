/**
 * Tables for storage and quota kinds: persistentvolumes,
 * persistentvolumeclaims, storageclasses, resourcequotas (upstream v1.32).
 * Quantities print in canonical form, as upstream's Quantity.String().
 */
import type {
  PersistentVolume,
  PersistentVolumeClaim,
  ResourceQuota,
} from "kubernetes-types/core/v1.d.ts";
import type { StorageClass } from "kubernetes-types/storage/v1.d.ts";
import type { KObject } from "../types.ts";
import { quantityFromJSON } from "../quantity.ts";
import { ageColumn, ageOf, column, nameColumn, nameOf, wide, type RowPrinter } from "./format.ts";

const BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class";

/** A quantity cell: canonical form; "0" when absent; the raw text if unparsable. */
export function quantityCell(value: unknown): string {
  const r = quantityFromJSON(value);
  return r.ok ? r.quantity.toString() : String(value);
}

/** Upstream GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
export function accessModes(modes: string[] | undefined): string {
  const have = new Set(modes ?? []);
  const out: string[] = [];
  if (have.has("ReadWriteOnce")) out.push("RWO");
  if (have.has("ReadOnlyMany")) out.push("ROX");
  if (have.has("ReadWriteMany")) out.push("RWX");
  if (have.has("ReadWriteOncePod")) out.push("RWOP");
  return out.join(",");
}

export const persistentVolumePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Capacity",
      "string",
      "capacity is the description of the persistent volume's resources and capacity.",
    ),
    column("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
    column(
      "Reclaim Policy",
      "string",
      "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.",
    ),
    column(
      "Status",
      "string",
      "phase indicates if a volume is available, bound to a claim, or released by a claim.",
    ),
    column(
      "Claim",
      "string",
      "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.",
    ),
    column("StorageClass", "string", "StorageClass of the pv"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
    column(
      "Reason",
      "string",
      "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.",
    ),
    ageColumn(),
    wide(
      "VolumeMode",
      "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.",
    ),
  ],
  row(obj: KObject, now: Date) {
    const pv = obj as PersistentVolume;
    const claim = pv.spec?.claimRef
      ? `${pv.spec.claimRef.namespace ?? ""}/${pv.spec.claimRef.name ?? ""}`
      : "";
    const storageClass =
      pv.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? pv.spec?.storageClassName ?? "";
    return [
      nameOf(obj),
      quantityCell(pv.spec?.capacity?.["storage"]),
      accessModes(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? "",
      pv.metadata?.deletionTimestamp ? "Terminating" : (pv.status?.phase ?? ""),
      claim,
      storageClass,
      pv.spec?.volumeAttributesClassName ?? "<unset>",
      pv.status?.reason ?? "",
      ageOf(obj, now),
      pv.spec?.volumeMode ?? "<unset>",
    ];
  },
};

export const persistentVolumeClaimPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
    column(
      "Volume",
      "string",
      "volumeName is the binding reference to the PersistentVolume backing this claim.",
    ),
    column(
      "Capacity",
      "string",
      "capacity represents the actual resources of the underlying volume.",
    ),
    column(
      "Access Modes",
      "string",
      "accessModes contains the actual access modes the volume backing the PVC has.",
    ),
    column("StorageClass", "string", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"),
    ageColumn(),
    wide("VolumeMode", "volumeMode defines what type of volume is required by the claim."),
  ],
  row(obj: KObject, now: Date) {
    const pvc = obj as PersistentVolumeClaim;
    const volumeName = pvc.spec?.volumeName ?? "";
    const bound = volumeName !== "";
    const storageClass =
      pvc.metadata?.annotations?.[BETA_STORAGE_CLASS] ?? pvc.spec?.storageClassName ?? "";
    return [
      nameOf(obj),
      pvc.metadata?.deletionTimestamp ? "Terminating" : (pvc.status?.phase ?? ""),
      volumeName,
      bound ? quantityCell(pvc.status?.capacity?.["storage"]) : "",
      bound ? accessModes(pvc.status?.accessModes) : "",
      storageClass,
      pvc.spec?.volumeAttributesClassName ?? "<unset>",
      ageOf(obj, now),
      pvc.spec?.volumeMode ?? "<unset>",
    ];
  },
};

function isDefaultClass(annotations: Record<string, string> | undefined): boolean {
  return (
    annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" ||
    annotations?.["storageclass.beta.kubernetes.io/is-default-class"] === "true"
  );
}

export const storageClassPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Provisioner", "string", "provisioner indicates the type of the provisioner."),
    column(
      "ReclaimPolicy",
      "string",
      "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.",
    ),
    column(
      "VolumeBindingMode",
      "string",
      "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.",
    ),
    column(
      "AllowVolumeExpansion",
      "string",
      "allowVolumeExpansion shows whether the storage class allow volume expand.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const sc = obj as unknown as StorageClass;
    const name = nameOf(obj) + (isDefaultClass(sc.metadata?.annotations) ? " (default)" : "");
    return [
      name,
      sc.provisioner ?? "",
      sc.reclaimPolicy ?? "Delete",
      sc.volumeBindingMode ?? "Immediate",
      sc.allowVolumeExpansion ?? false,
      ageOf(obj, now),
    ];
  },
};

export const resourceQuotaPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Request",
      "string",
      "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    column(
      "Limit",
      "string",
      "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const rq = obj as ResourceQuota;
    const hard = rq.status?.hard ?? {};
    const used = rq.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of Object.keys(hard).sort()) {
      const text = `${resource}: ${quantityCell(used[resource])}/${quantityCell(hard[resource])}`;
      const pieces = resource.split(".");
      (pieces.length > 1 && pieces[0] === "limits" ? limits : requests).push(text);
    }
    return [nameOf(obj), requests.join(", "), limits.join(", "), ageOf(obj, now)];
  },
};
