/**
 * core/v1 pod volume types: Volume (with its inlined VolumeSource), every
 * volume source, projections and downward API files. Sources that exist in a
 * pod flavour (secret refs are LocalObjectReference) and a PersistentVolume
 * flavour (SecretReference) are built by one function each; the PV flavours
 * are registered in core-v1-storage.ts. Field names and protobuf numbers
 * follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, inline, LABEL_SELECTOR, OBJECT_META, p, r } from "./spec-builders.ts";

const FS_TYPE = "Filesystem type to mount, e.g. ext4.";
const READ_ONLY = "Force a read-only mount.";

/** RBD source; `secret` is the type of secretRef. */
export function rbdSource(secret: string): TypeSpec {
  return {
    description: "A Rados Block Device mount.",
    fields: {
      monitors: r(1, "[]string", "Ceph monitors.", ATOMIC),
      image: r(2, "string", "Rados image name."),
      fsType: f(3, "string", FS_TYPE),
      pool: f(4, "string", "Rados pool (default rbd)."),
      user: f(5, "string", "Rados user (default admin)."),
      keyring: f(6, "string", "Keyring path."),
      secretRef: p(7, secret, "Secret with the Rados credentials."),
      readOnly: f(8, "bool", READ_ONLY),
    },
  };
}

/** iSCSI source; `secret` is the type of secretRef. */
export function iscsiSource(secret: string): TypeSpec {
  return {
    description: "An iSCSI disk.",
    fields: {
      targetPortal: r(1, "string", "Target portal, IP or IP:port."),
      iqn: r(2, "string", "Target iSCSI qualified name."),
      lun: r(3, "int32", "Target LUN."),
      iscsiInterface: f(4, "string", "iSCSI interface name (default 'default')."),
      fsType: f(5, "string", FS_TYPE),
      readOnly: f(6, "bool", READ_ONLY),
      portals: f(7, "[]string", "Further target portals.", ATOMIC),
      chapAuthDiscovery: f(8, "bool", "Use CHAP for discovery."),
      chapAuthSession: f(11, "bool", "Use CHAP for sessions."),
      secretRef: p(10, secret, "CHAP secret."),
      initiatorName: p(12, "string", "Custom initiator name."),
    },
  };
}

/** Cinder source; `secret` is the type of secretRef. */
export function cinderSource(secret: string): TypeSpec {
  return {
    description: "An OpenStack Cinder volume.",
    fields: {
      volumeID: r(1, "string", "Cinder volume ID."),
      fsType: f(2, "string", FS_TYPE),
      readOnly: f(3, "bool", READ_ONLY),
      secretRef: p(4, secret, "Secret with OpenStack parameters."),
    },
  };
}

/** CephFS source; `secret` is the type of secretRef. */
export function cephfsSource(secret: string): TypeSpec {
  return {
    description: "A Ceph filesystem mount.",
    fields: {
      monitors: r(1, "[]string", "Ceph monitors.", ATOMIC),
      path: f(2, "string", "Root inside the Ceph tree (default /)."),
      user: f(3, "string", "Rados user (default admin)."),
      secretFile: f(4, "string", "Keyring path for the user."),
      secretRef: p(5, secret, "Secret for the user."),
      readOnly: f(6, "bool", READ_ONLY),
    },
  };
}

/** FlexVolume source; `secret` is the type of secretRef. */
export function flexSource(secret: string): TypeSpec {
  return {
    description: "A volume handled by an exec-based driver.",
    fields: {
      driver: r(1, "string", "Driver name."),
      fsType: f(2, "string", FS_TYPE),
      secretRef: p(3, secret, "Secret passed to the driver."),
      readOnly: f(4, "bool", READ_ONLY),
      options: f(5, "map[string]", "Extra driver options."),
    },
  };
}

/** ScaleIO source; `secret` is the type of secretRef. */
export function scaleIOSource(secret: string): TypeSpec {
  return {
    description: "A ScaleIO volume.",
    fields: {
      gateway: r(1, "string", "ScaleIO API gateway address."),
      system: r(2, "string", "ScaleIO storage system."),
      secretRef: r(3, secret, "Secret with ScaleIO credentials."),
      sslEnabled: f(4, "bool", "Use SSL with the gateway."),
      protectionDomain: f(5, "string", "Protection domain."),
      storagePool: f(6, "string", "Storage pool."),
      storageMode: f(7, "string", "ThickProvisioned or ThinProvisioned (default)."),
      volumeName: f(8, "string", "Existing ScaleIO volume."),
      fsType: f(9, "string", FS_TYPE),
      readOnly: f(10, "bool", READ_ONLY),
    },
  };
}

/** StorageOS source; `secret` is the type of secretRef. */
export function storageOSSource(secret: string): TypeSpec {
  return {
    description: "A StorageOS volume.",
    fields: {
      volumeName: f(1, "string", "StorageOS volume name."),
      volumeNamespace: f(2, "string", "StorageOS namespace."),
      fsType: f(3, "string", FS_TYPE),
      readOnly: f(4, "bool", READ_ONLY),
      secretRef: p(5, secret, "Secret with API credentials."),
    },
  };
}

/** Glusterfs source; the PV flavour adds endpointsNamespace. */
export function glusterfsSource(persistent: boolean): TypeSpec {
  return {
    description: "A Glusterfs mount.",
    fields: {
      endpoints: r(1, "string", "Endpoints object naming the Glusterfs servers."),
      path: r(2, "string", "Glusterfs volume path."),
      readOnly: f(3, "bool", READ_ONLY),
      ...(persistent ? { endpointsNamespace: p(4, "string", "Namespace of the endpoints.") } : {}),
    },
  };
}

/** Azure File source; the PV flavour adds secretNamespace. */
export function azureFileSource(persistent: boolean): TypeSpec {
  return {
    description: "An Azure File share.",
    fields: {
      secretName: r(1, "string", "Secret with the storage account name and key."),
      shareName: r(2, "string", "Share name."),
      readOnly: f(3, "bool", READ_ONLY),
      ...(persistent ? { secretNamespace: p(4, "string", "Namespace of the secret.") } : {}),
    },
  };
}

/** VolumeSource fields, inlined into Volume at field 2. */
const VOLUME_SOURCES: TypeSpec["fields"] = {
  hostPath: p(1, "HostPathVolumeSource", "A directory on the host."),
  emptyDir: p(2, "EmptyDirVolumeSource", "A scratch directory living as long as the pod."),
  gcePersistentDisk: p(3, "GCEPersistentDiskVolumeSource", "A GCE persistent disk."),
  awsElasticBlockStore: p(4, "AWSElasticBlockStoreVolumeSource", "An AWS EBS volume."),
  gitRepo: p(5, "GitRepoVolumeSource", "Deprecated: a git checkout."),
  secret: p(6, "SecretVolumeSource", "Files from a Secret."),
  nfs: p(7, "NFSVolumeSource", "An NFS export."),
  iscsi: p(8, "ISCSIVolumeSource", "An iSCSI disk."),
  glusterfs: p(9, "GlusterfsVolumeSource", "A Glusterfs mount."),
  persistentVolumeClaim: p(10, "PersistentVolumeClaimVolumeSource", "A PersistentVolumeClaim."),
  rbd: p(11, "RBDVolumeSource", "A Rados block device."),
  flexVolume: p(12, "FlexVolumeSource", "A FlexVolume driver volume."),
  cinder: p(13, "CinderVolumeSource", "An OpenStack Cinder volume."),
  cephfs: p(14, "CephFSVolumeSource", "A CephFS mount."),
  flocker: p(15, "FlockerVolumeSource", "A Flocker dataset."),
  downwardAPI: p(16, "DownwardAPIVolumeSource", "Files with pod metadata."),
  fc: p(17, "FCVolumeSource", "A Fibre Channel disk."),
  azureFile: p(18, "AzureFileVolumeSource", "An Azure File share."),
  configMap: p(19, "ConfigMapVolumeSource", "Files from a ConfigMap."),
  vsphereVolume: p(20, "VsphereVirtualDiskVolumeSource", "A vSphere disk."),
  quobyte: p(21, "QuobyteVolumeSource", "A Quobyte volume."),
  azureDisk: p(22, "AzureDiskVolumeSource", "An Azure data disk."),
  photonPersistentDisk: p(23, "PhotonPersistentDiskVolumeSource", "A Photon Controller disk."),
  projected: p(26, "ProjectedVolumeSource", "Several sources projected into one directory."),
  portworxVolume: p(24, "PortworxVolumeSource", "A Portworx volume."),
  scaleIO: p(25, "ScaleIOVolumeSource", "A ScaleIO volume."),
  storageos: p(27, "StorageOSVolumeSource", "A StorageOS volume."),
  csi: p(28, "CSIVolumeSource", "An inline CSI volume."),
  ephemeral: p(29, "EphemeralVolumeSource", "A PVC created and deleted with the pod."),
  image: p(30, "ImageVolumeSource", "The content of an OCI image or artifact."),
};

const localName = inline(1, { name: f(1, "string", "Name of the referenced object.") });

export const coreV1VolumeTypes: Record<string, TypeSpec> = {
  Volume: {
    description: "A named volume the pod's containers can mount; exactly one source is set.",
    fields: {
      name: r(1, "string", "Volume name, a DNS label unique in the pod."),
      ...inline(2, VOLUME_SOURCES),
    },
  },
  HostPathVolumeSource: {
    description: "A file or directory on the host.",
    fields: {
      path: r(1, "string", "Path on the host."),
      type: p(2, "string", "What must exist at the path.", {
        enum: [
          "",
          "DirectoryOrCreate",
          "Directory",
          "FileOrCreate",
          "File",
          "Socket",
          "CharDevice",
          "BlockDevice",
        ],
      }),
    },
  },
  EmptyDirVolumeSource: {
    description: "A scratch directory living as long as the pod.",
    fields: {
      medium: f(1, "string", "Storage medium: empty (node default) or Memory."),
      sizeLimit: p(2, "Quantity", "Maximum size."),
    },
  },
  GCEPersistentDiskVolumeSource: {
    description: "A GCE persistent disk.",
    fields: {
      pdName: r(1, "string", "Disk name in GCE."),
      fsType: f(2, "string", FS_TYPE),
      partition: f(3, "int32", "Partition to mount."),
      readOnly: f(4, "bool", READ_ONLY),
    },
  },
  AWSElasticBlockStoreVolumeSource: {
    description: "An AWS EBS volume.",
    fields: {
      volumeID: r(1, "string", "EBS volume ID."),
      fsType: f(2, "string", FS_TYPE),
      partition: f(3, "int32", "Partition to mount."),
      readOnly: f(4, "bool", READ_ONLY),
    },
  },
  GitRepoVolumeSource: {
    description: "Deprecated: a directory holding a git checkout.",
    fields: {
      repository: r(1, "string", "Repository URL."),
      revision: f(2, "string", "Commit to check out."),
      directory: f(3, "string", "Target directory name."),
    },
  },
  SecretVolumeSource: {
    description: "Files made from the keys of a Secret.",
    fields: {
      secretName: f(1, "string", "Name of the Secret."),
      items: f(2, "[]KeyToPath", "Keys to project and their paths; default all.", ATOMIC),
      defaultMode: p(3, "int32", "Mode bits of created files (default 0644)."),
      optional: p(4, "bool", "Whether the Secret or keys may be missing."),
    },
  },
  NFSVolumeSource: {
    description: "An NFS export.",
    fields: {
      server: r(1, "string", "NFS server host or IP."),
      path: r(2, "string", "Exported path."),
      readOnly: f(3, "bool", READ_ONLY),
    },
  },
  ISCSIVolumeSource: iscsiSource("LocalObjectReference"),
  GlusterfsVolumeSource: glusterfsSource(false),
  PersistentVolumeClaimVolumeSource: {
    description: "A reference to a PVC in the pod's namespace.",
    fields: {
      claimName: r(1, "string", "Name of the claim."),
      readOnly: f(2, "bool", READ_ONLY),
    },
  },
  RBDVolumeSource: rbdSource("LocalObjectReference"),
  FlexVolumeSource: flexSource("LocalObjectReference"),
  CinderVolumeSource: cinderSource("LocalObjectReference"),
  CephFSVolumeSource: cephfsSource("LocalObjectReference"),
  FlockerVolumeSource: {
    description: "A Flocker dataset.",
    fields: {
      datasetName: f(1, "string", "Dataset name (deprecated)."),
      datasetUUID: f(2, "string", "Dataset UUID."),
    },
  },
  DownwardAPIVolumeSource: {
    description: "Files holding pod metadata.",
    fields: {
      items: f(1, "[]DownwardAPIVolumeFile", "Files to create.", ATOMIC),
      defaultMode: p(2, "int32", "Mode bits of created files (default 0644)."),
    },
  },
  DownwardAPIVolumeFile: {
    description: "One file holding a pod field or container resource.",
    fields: {
      path: r(1, "string", "Relative file path."),
      fieldRef: p(2, "ObjectFieldSelector", "Pod field to write."),
      resourceFieldRef: p(3, "ResourceFieldSelector", "Container resource to write."),
      mode: p(4, "int32", "Mode bits of the file."),
    },
  },
  DownwardAPIProjection: {
    description: "Downward API files in a projected volume.",
    fields: { items: f(1, "[]DownwardAPIVolumeFile", "Files to create.", ATOMIC) },
  },
  FCVolumeSource: {
    description: "A Fibre Channel disk.",
    fields: {
      targetWWNs: f(1, "[]string", "Target world wide names.", ATOMIC),
      lun: p(2, "int32", "Target LUN."),
      fsType: f(3, "string", FS_TYPE),
      readOnly: f(4, "bool", READ_ONLY),
      wwids: f(5, "[]string", "Volume world wide identifiers.", ATOMIC),
    },
  },
  AzureFileVolumeSource: azureFileSource(false),
  ConfigMapVolumeSource: {
    description: "Files made from the keys of a ConfigMap.",
    fields: {
      ...localName,
      items: f(2, "[]KeyToPath", "Keys to project and their paths; default all.", ATOMIC),
      defaultMode: p(3, "int32", "Mode bits of created files (default 0644)."),
      optional: p(4, "bool", "Whether the ConfigMap or keys may be missing."),
    },
  },
  VsphereVirtualDiskVolumeSource: {
    description: "A vSphere virtual disk.",
    fields: {
      volumePath: r(1, "string", "Path of the vmdk."),
      fsType: f(2, "string", FS_TYPE),
      storagePolicyName: f(3, "string", "SPBM policy name."),
      storagePolicyID: f(4, "string", "SPBM policy ID."),
    },
  },
  QuobyteVolumeSource: {
    description: "A Quobyte volume.",
    fields: {
      registry: r(1, "string", "Registry services, host:port, comma separated."),
      volume: r(2, "string", "Quobyte volume name."),
      readOnly: f(3, "bool", READ_ONLY),
      user: f(4, "string", "User to map access to."),
      group: f(5, "string", "Group to map access to."),
      tenant: f(6, "string", "Tenant owning the volume."),
    },
  },
  AzureDiskVolumeSource: {
    description: "An Azure data disk.",
    fields: {
      diskName: r(1, "string", "Data disk name."),
      diskURI: r(2, "string", "Data disk URI."),
      cachingMode: p(3, "string", "Host caching mode.", {
        enum: ["None", "ReadOnly", "ReadWrite"],
      }),
      fsType: p(4, "string", FS_TYPE),
      readOnly: p(5, "bool", READ_ONLY),
      kind: p(6, "string", "Disk kind.", { enum: ["Shared", "Dedicated", "Managed"] }),
    },
  },
  PhotonPersistentDiskVolumeSource: {
    description: "A Photon Controller persistent disk.",
    fields: { pdID: r(1, "string", "Disk ID."), fsType: f(2, "string", FS_TYPE) },
  },
  ProjectedVolumeSource: {
    description: "Several sources projected into one directory.",
    fields: {
      sources: f(1, "[]VolumeProjection", "The projected sources.", ATOMIC),
      defaultMode: p(2, "int32", "Mode bits of created files (default 0644)."),
    },
  },
  VolumeProjection: {
    description: "One source of a projected volume.",
    fields: {
      secret: p(1, "SecretProjection", "Keys of a Secret."),
      downwardAPI: p(2, "DownwardAPIProjection", "Pod metadata."),
      configMap: p(3, "ConfigMapProjection", "Keys of a ConfigMap."),
      serviceAccountToken: p(4, "ServiceAccountTokenProjection", "A service account token."),
      clusterTrustBundle: p(
        5,
        "ClusterTrustBundleProjection",
        "Certificates of ClusterTrustBundles.",
      ),
    },
  },
  SecretProjection: {
    description: "Keys of a Secret in a projected volume.",
    fields: {
      ...localName,
      items: f(2, "[]KeyToPath", "Keys to project and their paths.", ATOMIC),
      optional: p(4, "bool", "Whether the Secret or keys may be missing."),
    },
  },
  ConfigMapProjection: {
    description: "Keys of a ConfigMap in a projected volume.",
    fields: {
      ...localName,
      items: f(2, "[]KeyToPath", "Keys to project and their paths.", ATOMIC),
      optional: p(4, "bool", "Whether the ConfigMap or keys may be missing."),
    },
  },
  ServiceAccountTokenProjection: {
    description: "A bound service account token in a projected volume.",
    fields: {
      audience: f(1, "string", "Intended audience (default: the API server)."),
      expirationSeconds: p(2, "int64", "Requested lifetime (default 1h, minimum 10m)."),
      path: r(3, "string", "Relative file path."),
    },
  },
  ClusterTrustBundleProjection: {
    description: "Certificates from ClusterTrustBundles in a projected volume.",
    fields: {
      name: p(1, "string", "Bundle name."),
      signerName: p(2, "string", "Select bundles by signer."),
      labelSelector: p(3, LABEL_SELECTOR, "Select bundles by label."),
      optional: p(5, "bool", "Whether no bundle may match."),
      path: r(4, "string", "Relative file path."),
    },
  },
  KeyToPath: {
    description: "Maps a key to a file path.",
    fields: {
      key: r(1, "string", "Key to project."),
      path: r(2, "string", "Relative file path."),
      mode: p(3, "int32", "Mode bits of the file."),
    },
  },
  PortworxVolumeSource: {
    description: "A Portworx volume.",
    fields: {
      volumeID: r(1, "string", "Portworx volume ID."),
      fsType: f(2, "string", FS_TYPE),
      readOnly: f(3, "bool", READ_ONLY),
    },
  },
  ScaleIOVolumeSource: scaleIOSource("LocalObjectReference"),
  StorageOSVolumeSource: storageOSSource("LocalObjectReference"),
  CSIVolumeSource: {
    description: "An inline volume handled by a CSI driver.",
    fields: {
      driver: r(1, "string", "CSI driver name."),
      readOnly: p(2, "bool", READ_ONLY),
      fsType: p(3, "string", FS_TYPE),
      volumeAttributes: f(4, "map[string]", "Driver-specific attributes."),
      nodePublishSecretRef: p(5, "LocalObjectReference", "Secret for NodePublishVolume."),
    },
  },
  EphemeralVolumeSource: {
    description: "A volume backed by a PVC created for, and deleted with, the pod.",
    fields: {
      volumeClaimTemplate: p(1, "PersistentVolumeClaimTemplate", "Template of the PVC."),
    },
  },
  PersistentVolumeClaimTemplate: {
    description: "Metadata and spec of a PVC created for an ephemeral volume.",
    fields: {
      metadata: f(1, OBJECT_META, "Labels and annotations copied to the PVC."),
      spec: r(2, "PersistentVolumeClaimSpec", "Spec of the PVC."),
    },
  },
  ImageVolumeSource: {
    description: "An OCI image or artifact mounted read-only.",
    fields: {
      reference: f(1, "string", "Image or artifact reference."),
      pullPolicy: f(2, "string", "When the image is pulled.", {
        enum: ["Always", "Never", "IfNotPresent"],
      }),
    },
  },
};
