/**
 * core/v1 pod types: Pod, PodSpec, PodStatus, PodTemplate(Spec), Binding and
 * ReplicationController. Field names and protobuf numbers follow k8s.io/api
 * core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, listOf, mergeBy, objectMetaField, p, r } from "./spec-builders.ts";

const core = (kind: string) => [{ group: "", version: "v1", kind }];

export const coreV1PodTypes: Record<string, TypeSpec> = {
  Pod: {
    description: "A group of containers scheduled together onto one node.",
    gvk: core("Pod"),
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "PodSpec", "Desired behaviour of the pod."),
      status: f(3, "PodStatus", "Observed state of the pod; written by the system."),
    },
  },
  PodList: listOf("Pod", core("PodList")[0]!),
  PodSpec: {
    description: "Desired behaviour of a pod.",
    fields: {
      volumes: f(1, "[]Volume", "Volumes the containers can mount.", {
        ...mergeBy("name"),
        patchStrategy: "merge,retainKeys",
      }),
      initContainers: f(
        20,
        "[]Container",
        "Containers run to completion, in order, before the others.",
        mergeBy("name"),
      ),
      containers: r(
        2,
        "[]Container",
        "The pod's application containers; at least one.",
        mergeBy("name"),
      ),
      ephemeralContainers: f(
        34,
        "[]EphemeralContainer",
        "Debug containers added to the running pod.",
        mergeBy("name"),
      ),
      restartPolicy: f(3, "string", "Restart policy of all containers (default Always).", {
        enum: ["Always", "OnFailure", "Never"],
      }),
      terminationGracePeriodSeconds: p(
        4,
        "int64",
        "Seconds between the stop signal and the kill (default 30).",
      ),
      activeDeadlineSeconds: p(5, "int64", "Seconds the pod may run before it is failed."),
      dnsPolicy: f(6, "string", "How the pod's DNS is configured (default ClusterFirst).", {
        enum: ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
      }),
      nodeSelector: f(7, "map[string]", "Node labels a node must have to run the pod.", {
        mapType: "atomic",
      }),
      serviceAccountName: f(8, "string", "Service account the pod runs as."),
      serviceAccount: f(9, "string", "Deprecated alias of serviceAccountName."),
      automountServiceAccountToken: p(21, "bool", "Whether an API token is mounted automatically."),
      nodeName: f(10, "string", "Node the pod is bound to."),
      hostNetwork: f(11, "bool", "Use the host's network namespace."),
      hostPID: f(12, "bool", "Use the host's PID namespace."),
      hostIPC: f(13, "bool", "Use the host's IPC namespace."),
      shareProcessNamespace: p(27, "bool", "Share one PID namespace among the containers."),
      securityContext: p(14, "PodSecurityContext", "Pod-level security settings."),
      imagePullSecrets: f(
        15,
        "[]LocalObjectReference",
        "Secrets used to pull images.",
        mergeBy("name"),
      ),
      hostname: f(16, "string", "Hostname of the pod; defaults to the pod name."),
      subdomain: f(
        17,
        "string",
        "Subdomain, giving the FQDN <hostname>.<subdomain>.<ns>.svc.<domain>.",
      ),
      affinity: p(18, "Affinity", "Scheduling constraints."),
      schedulerName: f(19, "string", "Scheduler that places the pod."),
      tolerations: f(22, "[]Toleration", "Taints the pod tolerates.", ATOMIC),
      hostAliases: f(23, "[]HostAlias", "Extra /etc/hosts entries.", mergeBy("ip")),
      priorityClassName: f(24, "string", "Name of the pod's PriorityClass."),
      priority: p(25, "int32", "Priority value, resolved from priorityClassName."),
      dnsConfig: p(26, "PodDNSConfig", "Extra DNS settings."),
      readinessGates: f(
        28,
        "[]PodReadinessGate",
        "Extra conditions required for readiness.",
        ATOMIC,
      ),
      runtimeClassName: p(29, "string", "RuntimeClass used to run the pod."),
      enableServiceLinks: p(30, "bool", "Inject service environment variables (default true)."),
      preemptionPolicy: p(31, "string", "Whether the pod may preempt lower-priority pods.", {
        enum: ["PreemptLowerPriority", "Never"],
      }),
      overhead: f(32, "map[Quantity]", "Resource overhead of the pod's runtime class."),
      topologySpreadConstraints: f(
        33,
        "[]TopologySpreadConstraint",
        "How matching pods spread across topology domains.",
        mergeBy("topologyKey", { listMapKeys: ["topologyKey", "whenUnsatisfiable"] }),
      ),
      setHostnameAsFQDN: p(35, "bool", "Set the kernel hostname to the FQDN."),
      os: p(36, "PodOS", "Operating system the containers need."),
      hostUsers: p(37, "bool", "Use the host's user namespace (default true)."),
      schedulingGates: f(
        38,
        "[]PodSchedulingGate",
        "Gates that block scheduling while present.",
        mergeBy("name"),
      ),
      resourceClaims: f(39, "[]PodResourceClaim", "Dynamic resource claims the pod uses.", {
        ...mergeBy("name"),
        patchStrategy: "merge,retainKeys",
      }),
      resources: p(40, "ResourceRequirements", "Pod-level resource requests and limits."),
    },
  },
  PodStatus: {
    description: "Observed state of a pod.",
    fields: {
      phase: f(1, "string", "High-level lifecycle phase.", {
        enum: ["Pending", "Running", "Succeeded", "Failed", "Unknown"],
      }),
      conditions: f(2, "[]PodCondition", "Current conditions.", mergeBy("type")),
      message: f(3, "string", "Why the pod is in this state."),
      reason: f(4, "string", "CamelCase reason, e.g. Evicted."),
      nominatedNodeName: f(11, "string", "Node the pod may run on after preemption."),
      hostIP: f(5, "string", "Primary IP of the node."),
      hostIPs: f(16, "[]HostIP", "IPs of the node.", {
        patchStrategy: "merge",
        patchMergeKey: "ip",
        ...ATOMIC,
      }),
      podIP: f(6, "string", "Primary IP of the pod."),
      podIPs: f(12, "[]PodIP", "IPs of the pod, at most one per family.", mergeBy("ip")),
      startTime: p(7, "Time", "When the kubelet accepted the pod."),
      initContainerStatuses: f(10, "[]ContainerStatus", "Status of each init container.", ATOMIC),
      containerStatuses: f(8, "[]ContainerStatus", "Status of each container.", ATOMIC),
      qosClass: f(9, "string", "Quality of service class.", {
        enum: ["Guaranteed", "Burstable", "BestEffort"],
      }),
      ephemeralContainerStatuses: f(
        13,
        "[]ContainerStatus",
        "Status of each ephemeral container.",
        ATOMIC,
      ),
      resize: f(14, "string", "State of a pending in-place resize."),
      resourceClaimStatuses: f(15, "[]PodResourceClaimStatus", "Generated resource claims.", {
        ...mergeBy("name"),
        patchStrategy: "merge,retainKeys",
      }),
    },
  },
  PodCondition: {
    description: "One condition of a pod, e.g. Ready.",
    fields: {
      type: r(1, "string", "Condition type."),
      status: r(2, "string", "True, False or Unknown."),
      lastProbeTime: f(3, "Time", "When the condition was last checked."),
      lastTransitionTime: f(4, "Time", "When the status last changed."),
      reason: f(5, "string", "CamelCase cause of the last change."),
      message: f(6, "string", "Details of the last change."),
    },
  },
  PodIP: { description: "One IP of a pod.", fields: { ip: r(1, "string", "The address.") } },
  HostIP: {
    description: "One IP of a pod's node.",
    fields: { ip: r(1, "string", "The address.") },
  },
  PodReadinessGate: {
    description: "A pod condition that must be True for readiness.",
    fields: { conditionType: r(1, "string", "Type of the condition.") },
  },
  PodDNSConfig: {
    description: "DNS settings added to those of the DNS policy.",
    fields: {
      nameservers: f(1, "[]string", "Extra name server IPs.", ATOMIC),
      searches: f(2, "[]string", "Extra search domains.", ATOMIC),
      options: f(3, "[]PodDNSConfigOption", "Resolver options.", ATOMIC),
    },
  },
  PodDNSConfigOption: {
    description: "One resolver option.",
    fields: { name: f(1, "string", "Option name."), value: p(2, "string", "Option value.") },
  },
  HostAlias: {
    description: "An extra /etc/hosts entry.",
    fields: {
      ip: r(1, "string", "IP address of the entry."),
      hostnames: f(2, "[]string", "Host names for the IP.", ATOMIC),
    },
  },
  PodOS: {
    description: "Operating system of a pod.",
    fields: { name: r(1, "string", "linux or windows.") },
  },
  PodSchedulingGate: {
    description: "A gate that keeps a pod from being scheduled.",
    fields: { name: r(1, "string", "Gate name.") },
  },
  PodResourceClaim: {
    description: "A resource claim a pod uses, by name.",
    fields: {
      name: r(1, "string", "Name of the claim inside the pod."),
      resourceClaimName: p(3, "string", "Existing ResourceClaim to use."),
      resourceClaimTemplateName: p(4, "string", "Template from which a claim is generated."),
    },
  },
  PodResourceClaimStatus: {
    description: "The ResourceClaim generated for one pod claim.",
    fields: {
      name: r(1, "string", "Name of the claim inside the pod."),
      resourceClaimName: p(2, "string", "Name of the generated ResourceClaim."),
    },
  },
  PodSecurityContext: {
    description: "Pod-level security settings, defaults for every container.",
    fields: {
      seLinuxOptions: p(1, "SELinuxOptions", "SELinux labels."),
      windowsOptions: p(8, "WindowsSecurityContextOptions", "Windows-specific settings."),
      runAsUser: p(2, "int64", "UID of the entrypoints."),
      runAsGroup: p(6, "int64", "GID of the entrypoints."),
      runAsNonRoot: p(3, "bool", "Refuse to start containers as UID 0."),
      supplementalGroups: f(4, "[]int64", "Extra groups of the first process.", ATOMIC),
      supplementalGroupsPolicy: p(12, "string", "How supplemental groups are computed.", {
        enum: ["Merge", "Strict"],
      }),
      fsGroup: p(5, "int64", "Group that owns supported volumes."),
      sysctls: f(7, "[]Sysctl", "Namespaced sysctls to set.", ATOMIC),
      fsGroupChangePolicy: p(9, "string", "When volume ownership is changed.", {
        enum: ["OnRootMismatch", "Always"],
      }),
      seccompProfile: p(10, "SeccompProfile", "Seccomp profile."),
      appArmorProfile: p(11, "AppArmorProfile", "AppArmor profile."),
      seLinuxChangePolicy: p(13, "string", "How SELinux labels are applied to volumes.", {
        enum: ["Recursive", "MountOption"],
      }),
    },
  },
  Sysctl: {
    description: "A kernel parameter to set.",
    fields: { name: r(1, "string", "Parameter name."), value: r(2, "string", "Parameter value.") },
  },
  PodTemplateSpec: {
    description: "Metadata and spec of pods created from a template.",
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "PodSpec", "Desired behaviour of the pods."),
    },
  },
  PodTemplate: {
    description: "A stored pod template.",
    gvk: core("PodTemplate"),
    fields: {
      metadata: objectMetaField(),
      template: f(2, "PodTemplateSpec", "The template."),
    },
  },
  PodTemplateList: listOf("PodTemplate", core("PodTemplateList")[0]!),
  Binding: {
    description: "Binds an object to another, e.g. a pod to a node.",
    gvk: core("Binding"),
    fields: {
      metadata: objectMetaField(),
      target: r(2, "ObjectReference", "The object to bind to."),
    },
  },
  ReplicationController: {
    description: "Keeps a number of pod replicas running (legacy).",
    gvk: core("ReplicationController"),
    fields: {
      metadata: objectMetaField(),
      spec: f(2, "ReplicationControllerSpec", "Desired behaviour."),
      status: f(3, "ReplicationControllerStatus", "Observed state."),
    },
  },
  ReplicationControllerList: listOf("ReplicationController", core("ReplicationControllerList")[0]!),
  ReplicationControllerSpec: {
    description: "Desired behaviour of a replication controller.",
    fields: {
      replicas: p(1, "int32", "Desired number of pods (default 1)."),
      minReadySeconds: f(4, "int32", "Seconds a pod must be ready to count as available."),
      selector: f(2, "map[string]", "Labels of the pods it manages.", { mapType: "atomic" }),
      template: p(3, "PodTemplateSpec", "Template of the pods it creates."),
    },
  },
  ReplicationControllerStatus: {
    description: "Observed state of a replication controller.",
    fields: {
      replicas: r(1, "int32", "Observed number of pods."),
      fullyLabeledReplicas: f(2, "int32", "Pods whose labels match the template's."),
      readyReplicas: f(4, "int32", "Ready pods."),
      availableReplicas: f(5, "int32", "Available pods."),
      observedGeneration: f(3, "int64", "Generation last acted on."),
      conditions: f(6, "[]ReplicationControllerCondition", "Current conditions.", mergeBy("type")),
    },
  },
  ReplicationControllerCondition: {
    description: "One condition of a replication controller.",
    fields: {
      type: r(1, "string", "Condition type."),
      status: r(2, "string", "True, False or Unknown."),
      lastTransitionTime: f(3, "Time", "When the status last changed."),
      reason: f(4, "string", "CamelCase cause of the last change."),
      message: f(5, "string", "Details of the last change."),
    },
  },
};
