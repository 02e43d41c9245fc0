/**
 * Printers for kinds k8ts may serve later (admission registration, CSI
 * storage objects) and for the autoscaling/v1 Scale subresource, as
 * upstream v1.32 registers them.
 */
import type { KObject } from "../types.ts";
import {
  ageColumn,
  ageOf,
  column,
  nameColumn,
  nameOf,
  NAME_DESCRIPTION,
  CREATED_DESCRIPTION,
  int,
  type RowPrinter,
} from "./format.ts";
import { quantityCell } from "./storage-printers.ts";

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (v && typeof v === "object" ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const orBool = (v: unknown, dflt: boolean): boolean => (typeof v === "boolean" ? v : dflt);

function webhookPrinter(): RowPrinter {
  return {
    columns: [
      nameColumn(),
      column(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
      ),
      ageColumn(),
    ],
    row: (obj: KObject, now: Date) => [nameOf(obj), list(obj.webhooks).length, ageOf(obj, now)],
  };
}

export const mutatingWebhookConfigurationPrinter = webhookPrinter();
export const validatingWebhookConfigurationPrinter = webhookPrinter();

export const validatingAdmissionPolicyPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Validations",
      "integer",
      "Validations indicates the number of validation rules defined in this configuration",
    ),
    column(
      "ParamKind",
      "string",
      "ParamKind specifies the kind of resources used to parameterize this policy",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const spec = rec(obj.spec);
    const pk =
      spec.paramKind === undefined || spec.paramKind === null ? undefined : rec(spec.paramKind);
    const paramKind = pk ? `${text(pk.apiVersion)}/${text(pk.kind)}` : "<unset>";
    return [nameOf(obj), list(spec.validations).length, paramKind, ageOf(obj, now)];
  },
};

export const validatingAdmissionPolicyBindingPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "PolicyName",
      "string",
      "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    column(
      "ParamRef",
      "string",
      "ParamRef indicates the param resource which sets the configration param",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const spec = rec(obj.spec);
    let paramName = "<unset>";
    if (spec.paramRef !== undefined && spec.paramRef !== null) {
      const pr = rec(spec.paramRef);
      if (text(pr.name)) {
        paramName = text(pr.namespace)
          ? `${text(pr.namespace)}/${text(pr.name)}`
          : `*/${text(pr.name)}`;
      } else if (pr.selector !== undefined && pr.selector !== null) {
        paramName = JSON.stringify(pr.selector);
      }
    }
    return [nameOf(obj), text(spec.policyName), paramName, ageOf(obj, now)];
  },
};

export const volumeAttachmentPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Attacher",
      "string",
      "attacher indicates the name of the volume driver that MUST handle this request.",
      { format: "name" },
    ),
    column(
      "PV",
      "string",
      "persistentVolumeName represents the name of the persistent volume to attach.",
    ),
    column("Node", "string", "nodeName represents the node that the volume should be attached to."),
    column("Attached", "boolean", "attached indicates the volume is successfully attached."),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const spec = rec(obj.spec);
    return [
      nameOf(obj),
      text(spec.attacher),
      text(rec(spec.source).persistentVolumeName),
      text(spec.nodeName),
      orBool(rec(obj.status).attached, false),
      ageOf(obj, now),
    ];
  },
};

export const csiDriverPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "AttachRequired",
      "boolean",
      "attachRequired indicates this CSI volume driver requires an attach operation.",
    ),
    column(
      "PodInfoOnMount",
      "boolean",
      "podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.",
    ),
    column(
      "StorageCapacity",
      "boolean",
      "storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.",
    ),
    column(
      "TokenRequests",
      "string",
      "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for.",
    ),
    column(
      "RequiresRepublish",
      "boolean",
      "requiresRepublish indicates the CSI driver wants NodePublishVolume being periodically called.",
    ),
    column(
      "Modes",
      "string",
      "volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.",
    ),
    ageColumn(),
  ],
  row(obj: KObject, now: Date) {
    const spec = rec(obj.spec);
    const tokens = Array.isArray(spec.tokenRequests)
      ? spec.tokenRequests.map((t) => text(rec(t).audience)).join(",")
      : "<unset>";
    const modes = list(spec.volumeLifecycleModes).map(text).join(",");
    return [
      nameOf(obj),
      orBool(spec.attachRequired, true),
      orBool(spec.podInfoOnMount, false),
      orBool(spec.storageCapacity, false),
      tokens,
      orBool(spec.requiresRepublish, false),
      modes || "<none>",
      ageOf(obj, now),
    ];
  },
};

export const csiNodePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "Drivers",
      "integer",
      "Drivers indicates the number of CSI drivers registered on the node",
    ),
    ageColumn(),
  ],
  row: (obj: KObject, now: Date) => [
    nameOf(obj),
    list(rec(obj.spec).drivers).length,
    ageOf(obj, now),
  ],
};

export const csiStorageCapacityPrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column(
      "StorageClassName",
      "string",
      "storageClassName represents the name of the StorageClass that the reported capacity applies to.",
    ),
    column(
      "Capacity",
      "string",
      "capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest.",
    ),
  ],
  row(obj: KObject) {
    const capacity =
      obj.capacity === undefined || obj.capacity === null ? "<unset>" : quantityCell(obj.capacity);
    return [nameOf(obj), text(obj.storageClassName), capacity];
  },
};

/**
 * The autoscaling/v1 Scale table (`kubectl get --subresource=scale`); its
 * Name column has no "name" format upstream.
 */
export const scalePrinter: RowPrinter = {
  columns: [
    column("Name", "string", NAME_DESCRIPTION),
    column(
      "Desired",
      "integer",
      "replicas is the desired number of instances for the scaled object.",
    ),
    column(
      "Available",
      "integer",
      "replicas is the actual number of observed instances of the scaled object.",
    ),
    column("Age", "string", CREATED_DESCRIPTION),
  ],
  row(obj: KObject, now: Date) {
    return [
      nameOf(obj),
      int(rec(obj.spec).replicas),
      int(rec(obj.status).replicas),
      ageOf(obj, now),
    ];
  },
};
