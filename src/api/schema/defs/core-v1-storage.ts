/**
 * core/v1 storage types: PersistentVolume, PersistentVolumeClaim and the
 * PersistentVolume flavours of the volume sources. Field names and protobuf
 * numbers follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import {
  ATOMIC,
  f,
  inline,
  LABEL_SELECTOR,
  listOf,
  mergeBy,
  objectMetaField,
  p,
  r,
} from "./spec-builders.ts";
import {
  azureFileSource,
  cephfsSource,
  cinderSource,
  flexSource,
  glusterfsSource,
  iscsiSource,
  rbdSource,
  scaleIOSource,
  storageOSSource,
} from "./core-v1-volume.ts";

const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"];
const core = (kind: string) => ({ group: "", version: "v1", kind });

/** PersistentVolumeSource fields, inlined into PersistentVolumeSpec at field 2. */
const PERSISTENT_VOLUME_SOURCES: TypeSpec["fields"] = {
  gcePersistentDisk: p(1, "GCEPersistentDiskVolumeSource", "A GCE persistent disk."),
  awsElasticBlockStore: p(2, "AWSElasticBlockStoreVolumeSource", "An AWS EBS volume."),
  hostPath: p(3, "HostPathVolumeSource", "A directory on the host (single node only)."),
  glusterfs: p(4, "GlusterfsPersistentVolumeSource", "A Glusterfs volume."),
  nfs: p(5, "NFSVolumeSource", "An NFS export."),
  rbd: p(6, "RBDPersistentVolumeSource", "A Rados block device."),
  iscsi: p(7, "ISCSIPersistentVolumeSource", "An iSCSI disk."),
  cinder: p(8, "CinderPersistentVolumeSource", "An OpenStack Cinder volume."),
  cephfs: p(9, "CephFSPersistentVolumeSource", "A CephFS mount."),
  fc: p(10, "FCVolumeSource", "A Fibre Channel disk."),
  flocker: p(11, "FlockerVolumeSource", "A Flocker dataset."),
  flexVolume: p(12, "FlexPersistentVolumeSource", "A FlexVolume driver volume."),
  azureFile: p(13, "AzureFilePersistentVolumeSource", "An Azure File share."),
  vsphereVolume: p(14, "VsphereVirtualDiskVolumeSource", "A vSphere disk."),
  quobyte: p(15, "QuobyteVolumeSource", "A Quobyte volume."),
  azureDisk: p(16, "AzureDiskVolumeSource", "An Azure data disk."),
  photonPersistentDisk: p(17, "PhotonPersistentDiskVolumeSource", "A Photon Controller disk."),
  portworxVolume: p(18, "PortworxVolumeSource", "A Portworx volume."),
  scaleIO: p(19, "ScaleIOPersistentVolumeSource", "A ScaleIO volume."),
  local: p(20, "LocalVolumeSource", "Storage attached directly to one node."),
  storageos: p(21, "StorageOSPersistentVolumeSource", "A StorageOS volume."),
  csi: p(22, "CSIPersistentVolumeSource", "A volume handled by a CSI driver."),
};

export const coreV1StorageTypes: Record<string, TypeSpec> = {
  PersistentVolume: {
    description: "A piece of storage provisioned in the cluster.",
    gvk: [core("PersistentVolume")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "PersistentVolumeSpec", "Desired characteristics of the volume."),
      status: f(3, "PersistentVolumeStatus", "Observed state of the volume."),
    },
  },
  PersistentVolumeList: listOf("PersistentVolume", core("PersistentVolumeList")),
  PersistentVolumeSpec: {
    description: "Characteristics of a persistent volume; exactly one source is set.",
    fields: {
      capacity: f(1, "map[Quantity]", "Capacity of the volume, e.g. storage."),
      ...inline(2, PERSISTENT_VOLUME_SOURCES),
      accessModes: f(3, "[]string", "Ways the volume can be mounted.", {
        ...ATOMIC,
        enum: ACCESS_MODES,
      }),
      claimRef: p(4, "ObjectReference", "The claim bound to this volume.", { mapType: "granular" }),
      persistentVolumeReclaimPolicy: f(5, "string", "What happens when the claim is released.", {
        enum: ["Retain", "Delete", "Recycle"],
      }),
      storageClassName: f(6, "string", "StorageClass of the volume; empty means none."),
      mountOptions: f(7, "[]string", "Mount options, not validated.", ATOMIC),
      volumeMode: p(8, "string", "Filesystem (default) or Block.", {
        enum: ["Block", "Filesystem"],
      }),
      nodeAffinity: p(9, "VolumeNodeAffinity", "Nodes the volume can be used from."),
      volumeAttributesClassName: p(10, "string", "VolumeAttributesClass of the volume."),
    },
  },
  PersistentVolumeStatus: {
    description: "Observed state of a persistent volume.",
    fields: {
      phase: f(1, "string", "Lifecycle phase.", {
        enum: ["Pending", "Available", "Bound", "Released", "Failed"],
      }),
      message: f(2, "string", "Why the volume is in this state."),
      reason: f(3, "string", "CamelCase reason for a failure."),
      lastPhaseTransitionTime: p(4, "Time", "When the phase last changed."),
    },
  },
  VolumeNodeAffinity: {
    description: "Nodes a volume can be accessed from.",
    fields: { required: p(1, "NodeSelector", "Hard node constraint.") },
  },
  PersistentVolumeClaim: {
    description: "A user's request for storage.",
    gvk: [core("PersistentVolumeClaim")],
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "PersistentVolumeClaimSpec", "Desired characteristics of the volume."),
      status: f(3, "PersistentVolumeClaimStatus", "Observed state of the claim."),
    },
  },
  PersistentVolumeClaimList: listOf("PersistentVolumeClaim", core("PersistentVolumeClaimList")),
  PersistentVolumeClaimSpec: {
    description: "Desired characteristics of a claimed volume.",
    fields: {
      accessModes: f(1, "[]string", "Requested access modes.", { ...ATOMIC, enum: ACCESS_MODES }),
      selector: p(4, LABEL_SELECTOR, "Label query over volumes to bind to."),
      resources: f(2, "VolumeResourceRequirements", "Minimum resources, e.g. storage."),
      volumeName: f(3, "string", "Volume bound to the claim."),
      storageClassName: p(5, "string", "StorageClass requested; empty string means none."),
      volumeMode: p(6, "string", "Filesystem (default) or Block.", {
        enum: ["Block", "Filesystem"],
      }),
      dataSource: p(7, "TypedLocalObjectReference", "Snapshot or PVC to copy data from."),
      dataSourceRef: p(8, "TypedObjectReference", "Any populator object to fill the volume from."),
      volumeAttributesClassName: p(9, "string", "VolumeAttributesClass to apply."),
    },
  },
  PersistentVolumeClaimStatus: {
    description: "Observed state of a claim.",
    fields: {
      phase: f(1, "string", "Lifecycle phase.", { enum: ["Pending", "Bound", "Lost"] }),
      accessModes: f(2, "[]string", "Access modes of the bound volume.", {
        ...ATOMIC,
        enum: ACCESS_MODES,
      }),
      capacity: f(3, "map[Quantity]", "Capacity of the bound volume."),
      conditions: f(4, "[]PersistentVolumeClaimCondition", "Current conditions.", mergeBy("type")),
      allocatedResources: f(5, "map[Quantity]", "Resources allocated to the claim."),
      allocatedResourceStatuses: f(7, "map[string]", "Resize state per resource.", {
        mapType: "granular",
      }),
      currentVolumeAttributesClassName: p(8, "string", "VolumeAttributesClass in use."),
      modifyVolumeStatus: p(9, "ModifyVolumeStatus", "State of a pending volume modification."),
    },
  },
  PersistentVolumeClaimCondition: {
    description: "One condition of a claim.",
    fields: {
      type: r(1, "string", "Condition type, e.g. Resizing."),
      status: r(2, "string", "True, False or Unknown."),
      lastProbeTime: f(3, "Time", "When the condition was last checked."),
      lastTransitionTime: f(4, "Time", "When the status last changed."),
      reason: f(5, "string", "CamelCase cause of the last change."),
      message: f(6, "string", "Details of the last change."),
    },
  },
  ModifyVolumeStatus: {
    description: "State of a volume attributes modification.",
    fields: {
      targetVolumeAttributesClassName: f(1, "string", "Class being applied."),
      status: r(2, "string", "State of the operation.", {
        enum: ["Pending", "InProgress", "Infeasible"],
      }),
    },
  },
  VolumeResourceRequirements: {
    description: "Storage resource requests and limits of a claim.",
    fields: {
      limits: f(1, "map[Quantity]", "Maximum amounts."),
      requests: f(2, "map[Quantity]", "Minimum amounts."),
    },
  },
  TypedLocalObjectReference: {
    description: "A typed reference to an object in the same namespace.",
    fields: {
      apiGroup: p(1, "string", "API group; empty for core."),
      kind: r(2, "string", "Kind of the object."),
      name: r(3, "string", "Name of the object."),
    },
  },
  TypedObjectReference: {
    description: "A typed reference to an object, possibly in another namespace.",
    fields: {
      apiGroup: p(1, "string", "API group; empty for core."),
      kind: r(2, "string", "Kind of the object."),
      name: r(3, "string", "Name of the object."),
      namespace: p(4, "string", "Namespace of the object."),
    },
  },
  SecretReference: {
    description: "A reference to a Secret in any namespace.",
    fields: {
      name: f(1, "string", "Secret name."),
      namespace: f(2, "string", "Secret namespace."),
    },
  },
  LocalVolumeSource: {
    description: "Storage attached directly to a node.",
    fields: {
      path: r(1, "string", "Path of the directory or block device."),
      fsType: p(2, "string", "Filesystem type, for block devices."),
    },
  },
  CSIPersistentVolumeSource: {
    description: "A persistent volume handled by a CSI driver.",
    fields: {
      driver: r(1, "string", "CSI driver name."),
      volumeHandle: r(2, "string", "Volume ID returned by the driver."),
      readOnly: f(3, "bool", "Publish read-only."),
      fsType: f(4, "string", "Filesystem type."),
      volumeAttributes: f(5, "map[string]", "Attributes to publish."),
      controllerPublishSecretRef: p(
        6,
        "SecretReference",
        "Secret for ControllerPublish/Unpublish.",
      ),
      nodeStageSecretRef: p(7, "SecretReference", "Secret for NodeStage/Unstage."),
      nodePublishSecretRef: p(8, "SecretReference", "Secret for NodePublish/Unpublish."),
      controllerExpandSecretRef: p(9, "SecretReference", "Secret for ControllerExpand."),
      nodeExpandSecretRef: p(10, "SecretReference", "Secret for NodeExpand."),
    },
  },
  ISCSIPersistentVolumeSource: iscsiSource("SecretReference"),
  GlusterfsPersistentVolumeSource: glusterfsSource(true),
  RBDPersistentVolumeSource: rbdSource("SecretReference"),
  FlexPersistentVolumeSource: flexSource("SecretReference"),
  CinderPersistentVolumeSource: cinderSource("SecretReference"),
  CephFSPersistentVolumeSource: cephfsSource("SecretReference"),
  AzureFilePersistentVolumeSource: azureFileSource(true),
  ScaleIOPersistentVolumeSource: scaleIOSource("SecretReference"),
  StorageOSPersistentVolumeSource: storageOSSource("ObjectReference"),
};
