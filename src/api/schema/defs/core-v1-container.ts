/**
 * core/v1 container types: Container, EphemeralContainer, probes, lifecycle
 * hooks, environment, resources, security contexts and container statuses.
 * Field names and protobuf numbers follow k8s.io/api core/v1 (v1.32).
 */
import type { TypeSpec } from "../types.ts";
import { ATOMIC, f, inline, mergeBy, p, r } from "./spec-builders.ts";

const PROTOCOLS = ["TCP", "UDP", "SCTP"];

/** Container fields, shared by Container and (inlined) EphemeralContainer. */
const containerFields: TypeSpec["fields"] = {
  name: r(1, "string", "Container name, a DNS label unique within the pod."),
  image: f(2, "string", "Container image reference."),
  command: f(
    3,
    "[]string",
    "Entrypoint, replacing the image's ENTRYPOINT; not run in a shell.",
    ATOMIC,
  ),
  args: f(4, "[]string", "Arguments, replacing the image's CMD.", ATOMIC),
  workingDir: f(5, "string", "Working directory inside the container."),
  ports: f(
    6,
    "[]ContainerPort",
    "Ports the container exposes (informational).",
    mergeBy("containerPort", { listMapKeys: ["containerPort", "protocol"] }),
  ),
  envFrom: f(19, "[]EnvFromSource", "Sources whose keys all become environment variables.", ATOMIC),
  env: f(7, "[]EnvVar", "Environment variables to set.", mergeBy("name")),
  resources: f(8, "ResourceRequirements", "Compute resource requests and limits."),
  resizePolicy: f(23, "[]ContainerResizePolicy", "How in-place resource resizes apply.", ATOMIC),
  restartPolicy: p(
    24,
    "string",
    "Per-container restart policy; only Always, for sidecar init containers.",
    {
      enum: ["Always"],
    },
  ),
  volumeMounts: f(
    9,
    "[]VolumeMount",
    "Pod volumes mounted into the container.",
    mergeBy("mountPath"),
  ),
  volumeDevices: f(
    21,
    "[]VolumeDevice",
    "Raw block devices mapped into the container.",
    mergeBy("devicePath"),
  ),
  livenessProbe: p(10, "Probe", "Probe whose failure restarts the container."),
  readinessProbe: p(11, "Probe", "Probe gating whether the container receives traffic."),
  startupProbe: p(22, "Probe", "Probe that must pass before the other probes start."),
  lifecycle: p(12, "Lifecycle", "Hooks run after start and before stop."),
  terminationMessagePath: f(13, "string", "File whose content becomes the termination message."),
  terminationMessagePolicy: f(20, "string", "Where the termination message comes from.", {
    enum: ["File", "FallbackToLogsOnError"],
  }),
  imagePullPolicy: f(14, "string", "When the image is pulled.", {
    enum: ["Always", "Never", "IfNotPresent"],
  }),
  securityContext: p(15, "SecurityContext", "Security settings overriding the pod's."),
  stdin: f(16, "bool", "Allocate a stdin buffer for the container."),
  stdinOnce: f(17, "bool", "Close stdin after the first attach disconnects."),
  tty: f(18, "bool", "Allocate a TTY (needs stdin)."),
};

const selectorByName = (what: string): TypeSpec => ({
  description: `Selects one key of a ${what}.`,
  fields: {
    ...inline(1, { name: f(1, "string", `Name of the ${what}.`) }),
    key: r(2, "string", "The key to select."),
    optional: p(3, "bool", `Whether the ${what} or key may be missing.`),
  },
});

const envSourceByName = (what: string): TypeSpec => ({
  description: `A ${what} whose keys become environment variables.`,
  fields: {
    ...inline(1, { name: f(1, "string", `Name of the ${what}.`) }),
    optional: p(2, "bool", `Whether the ${what} may be missing.`),
  },
});

export const coreV1ContainerTypes: Record<string, TypeSpec> = {
  Container: { description: "One application container of a pod.", fields: containerFields },
  EphemeralContainer: {
    description: "A temporary container added to a running pod, e.g. for debugging.",
    fields: {
      ...inline(1, containerFields),
      targetContainerName: f(2, "string", "Container whose namespaces this one joins."),
    },
  },
  ContainerPort: {
    description: "A network port of a container.",
    fields: {
      name: f(1, "string", "IANA service name, unique within the pod."),
      hostPort: f(2, "int32", "Port to expose on the host."),
      containerPort: r(3, "int32", "Port on the pod IP."),
      protocol: f(4, "string", "TCP (default), UDP or SCTP.", { enum: PROTOCOLS }),
      hostIP: f(5, "string", "Host IP to bind the host port to."),
    },
  },
  VolumeMount: {
    description: "A pod volume mounted into a container.",
    fields: {
      name: r(1, "string", "Name of the pod volume."),
      readOnly: f(2, "bool", "Mount read-only."),
      recursiveReadOnly: p(7, "string", "Whether read-only applies to sub-mounts.", {
        enum: ["Disabled", "IfPossible", "Enabled"],
      }),
      mountPath: r(3, "string", "Path inside the container."),
      subPath: f(4, "string", "Sub-path of the volume to mount."),
      mountPropagation: p(5, "string", "How mounts propagate between host and container.", {
        enum: ["None", "HostToContainer", "Bidirectional"],
      }),
      subPathExpr: f(6, "string", "Like subPath, with $(VAR) expansion."),
    },
  },
  VolumeDevice: {
    description: "A raw block volume mapped into a container.",
    fields: {
      name: r(1, "string", "Name of the PVC-backed pod volume."),
      devicePath: r(2, "string", "Device path inside the container."),
    },
  },
  EnvVar: {
    description: "One environment variable.",
    fields: {
      name: r(1, "string", "Variable name."),
      value: f(2, "string", "Literal value, with $(VAR) expansion."),
      valueFrom: p(3, "EnvVarSource", "Where the value comes from instead."),
    },
  },
  EnvVarSource: {
    description: "A source for an environment variable's value.",
    fields: {
      fieldRef: p(1, "ObjectFieldSelector", "A field of the pod."),
      resourceFieldRef: p(
        2,
        "ResourceFieldSelector",
        "A resource limit or request of a container.",
      ),
      configMapKeyRef: p(3, "ConfigMapKeySelector", "A key of a ConfigMap."),
      secretKeyRef: p(4, "SecretKeySelector", "A key of a Secret."),
    },
  },
  ObjectFieldSelector: {
    description: "Selects a field of an object by path.",
    fields: {
      apiVersion: f(1, "string", "Schema version the path refers to; defaults to v1."),
      fieldPath: r(2, "string", "Path of the field."),
    },
  },
  ResourceFieldSelector: {
    description: "Selects a container resource and its output unit.",
    fields: {
      containerName: f(1, "string", "Container name; required in volumes."),
      resource: r(2, "string", "Resource to select, e.g. limits.cpu."),
      divisor: f(3, "Quantity", "Unit the value is divided by; defaults to 1."),
    },
  },
  ConfigMapKeySelector: selectorByName("ConfigMap"),
  SecretKeySelector: selectorByName("Secret"),
  EnvFromSource: {
    description: "A ConfigMap or Secret whose keys become environment variables.",
    fields: {
      prefix: f(1, "string", "Prefix added to every key."),
      configMapRef: p(2, "ConfigMapEnvSource", "The ConfigMap."),
      secretRef: p(3, "SecretEnvSource", "The Secret."),
    },
  },
  ConfigMapEnvSource: envSourceByName("ConfigMap"),
  SecretEnvSource: envSourceByName("Secret"),
  HTTPHeader: {
    description: "A header sent by an HTTP probe.",
    fields: {
      name: r(1, "string", "Header name."),
      value: r(2, "string", "Header value."),
    },
  },
  HTTPGetAction: {
    description: "An HTTP GET check or hook.",
    fields: {
      path: f(1, "string", "Request path."),
      port: r(2, "IntOrString", "Port number or name."),
      host: f(3, "string", "Host to connect to; defaults to the pod IP."),
      scheme: f(4, "string", "HTTP or HTTPS.", { enum: ["HTTP", "HTTPS"] }),
      httpHeaders: f(5, "[]HTTPHeader", "Extra request headers.", ATOMIC),
    },
  },
  TCPSocketAction: {
    description: "A TCP connect check.",
    fields: {
      port: r(1, "IntOrString", "Port number or name."),
      host: f(2, "string", "Host to connect to; defaults to the pod IP."),
    },
  },
  GRPCAction: {
    description: "A gRPC health check.",
    fields: {
      port: r(1, "int32", "Port of the gRPC service."),
      service: p(2, "string", "Service name sent in the health request."),
    },
  },
  ExecAction: {
    description: "A command run inside the container.",
    fields: { command: f(1, "[]string", "Command line; exit 0 means success.", ATOMIC) },
  },
  SleepAction: {
    description: "A pause before the container stops.",
    fields: { seconds: r(1, "int64", "Seconds to sleep.") },
  },
  Probe: {
    description: "A periodic health check of a container.",
    fields: {
      ...inline(1, {
        exec: p(1, "ExecAction", "Run a command."),
        httpGet: p(2, "HTTPGetAction", "Send an HTTP GET."),
        tcpSocket: p(3, "TCPSocketAction", "Open a TCP connection."),
        grpc: p(4, "GRPCAction", "Call the gRPC health service."),
      }),
      initialDelaySeconds: f(2, "int32", "Delay after start before the first check."),
      timeoutSeconds: f(3, "int32", "Seconds before a check times out (default 1)."),
      periodSeconds: f(4, "int32", "Seconds between checks (default 10)."),
      successThreshold: f(5, "int32", "Successes needed after a failure (default 1)."),
      failureThreshold: f(6, "int32", "Failures before giving up (default 3)."),
      terminationGracePeriodSeconds: p(
        7,
        "int64",
        "Grace period when the probe kills the container.",
      ),
    },
  },
  LifecycleHandler: {
    description: "The action of a lifecycle hook.",
    fields: {
      exec: p(1, "ExecAction", "Run a command."),
      httpGet: p(2, "HTTPGetAction", "Send an HTTP GET."),
      tcpSocket: p(3, "TCPSocketAction", "Deprecated; not supported for hooks."),
      sleep: p(4, "SleepAction", "Sleep for a while."),
    },
  },
  Lifecycle: {
    description: "Hooks around a container's start and stop.",
    fields: {
      postStart: p(1, "LifecycleHandler", "Runs right after the container starts."),
      preStop: p(2, "LifecycleHandler", "Runs before the container is stopped."),
    },
  },
  ContainerResizePolicy: {
    description: "How a resource resize is applied to a container.",
    fields: {
      resourceName: r(1, "string", "Resource name: cpu or memory."),
      restartPolicy: r(2, "string", "Whether the container restarts on resize.", {
        enum: ["NotRequired", "RestartContainer"],
      }),
    },
  },
  ResourceRequirements: {
    description: "Compute resource requests and limits.",
    fields: {
      limits: f(1, "map[Quantity]", "Maximum amounts allowed."),
      requests: f(2, "map[Quantity]", "Minimum amounts required; default to the limits."),
      claims: f(3, "[]ResourceClaim", "Pod resource claims this container uses.", {
        listType: "map",
        listMapKeys: ["name"],
      }),
    },
  },
  ResourceClaim: {
    description: "Use of one of the pod's resource claims.",
    fields: {
      name: r(1, "string", "Name of an entry in spec.resourceClaims."),
      request: f(2, "string", "Name of one request within the claim."),
    },
  },
  Capabilities: {
    description: "POSIX capabilities to add and drop.",
    fields: {
      add: f(1, "[]string", "Capabilities to add.", ATOMIC),
      drop: f(2, "[]string", "Capabilities to drop.", ATOMIC),
    },
  },
  SecurityContext: {
    description: "Security settings of one container.",
    fields: {
      capabilities: p(1, "Capabilities", "Capabilities to add or drop."),
      privileged: p(2, "bool", "Run privileged (root-equivalent on the host)."),
      seLinuxOptions: p(3, "SELinuxOptions", "SELinux labels."),
      windowsOptions: p(10, "WindowsSecurityContextOptions", "Windows-specific settings."),
      runAsUser: p(4, "int64", "UID of the entrypoint."),
      runAsGroup: p(8, "int64", "GID of the entrypoint."),
      runAsNonRoot: p(5, "bool", "Refuse to start as UID 0."),
      readOnlyRootFilesystem: p(6, "bool", "Mount the root filesystem read-only."),
      allowPrivilegeEscalation: p(7, "bool", "Allow gaining privileges (no_new_privs off)."),
      procMount: p(9, "string", "Kind of /proc mount.", { enum: ["Default", "Unmasked"] }),
      seccompProfile: p(11, "SeccompProfile", "Seccomp profile."),
      appArmorProfile: p(12, "AppArmorProfile", "AppArmor profile."),
    },
  },
  SELinuxOptions: {
    description: "SELinux labels.",
    fields: {
      user: f(1, "string", "SELinux user."),
      role: f(2, "string", "SELinux role."),
      type: f(3, "string", "SELinux type."),
      level: f(4, "string", "SELinux level."),
    },
  },
  WindowsSecurityContextOptions: {
    description: "Windows-specific security settings.",
    fields: {
      gmsaCredentialSpecName: p(1, "string", "Name of the GMSA credential spec."),
      gmsaCredentialSpec: p(2, "string", "Inlined GMSA credential spec."),
      runAsUserName: p(3, "string", "Windows user name of the entrypoint."),
      hostProcess: p(4, "bool", "Run as a host process container."),
    },
  },
  SeccompProfile: {
    description: "A seccomp profile choice.",
    fields: {
      type: r(1, "string", "Kind of profile.", {
        enum: ["Localhost", "RuntimeDefault", "Unconfined"],
      }),
      localhostProfile: p(2, "string", "Profile file on the node, for type Localhost."),
    },
  },
  AppArmorProfile: {
    description: "An AppArmor profile choice.",
    fields: {
      type: r(1, "string", "Kind of profile.", {
        enum: ["Localhost", "RuntimeDefault", "Unconfined"],
      }),
      localhostProfile: p(2, "string", "Profile loaded on the node, for type Localhost."),
    },
  },
  ContainerStatus: {
    description: "Observed state of one container.",
    fields: {
      name: r(1, "string", "Container name."),
      state: f(2, "ContainerState", "Current state."),
      lastState: f(3, "ContainerState", "State of the previous run."),
      ready: r(4, "bool", "Whether the readiness check passes."),
      restartCount: r(5, "int32", "Times the container restarted."),
      image: r(6, "string", "Image the container runs."),
      imageID: r(7, "string", "Resolved image ID."),
      containerID: f(8, "string", "Runtime ID as <type>://<id>."),
      started: p(9, "bool", "Whether startup (postStart and startup probe) completed."),
      allocatedResources: f(10, "map[Quantity]", "Resources the node allocated."),
      resources: p(11, "ResourceRequirements", "Resources applied to the running container."),
      volumeMounts: f(12, "[]VolumeMountStatus", "Observed volume mounts.", mergeBy("mountPath")),
      user: p(13, "ContainerUser", "Identity the process runs as."),
      allocatedResourcesStatus: f(
        14,
        "[]ResourceStatus",
        "Health of allocated resources.",
        mergeBy("name"),
      ),
    },
  },
  ContainerState: {
    description: "One of waiting, running or terminated.",
    fields: {
      waiting: p(1, "ContainerStateWaiting", "Not running yet."),
      running: p(2, "ContainerStateRunning", "Running."),
      terminated: p(3, "ContainerStateTerminated", "Exited."),
    },
  },
  ContainerStateWaiting: {
    description: "A container that is not running yet.",
    fields: {
      reason: f(1, "string", "Why it is waiting, e.g. ContainerCreating."),
      message: f(2, "string", "Details."),
    },
  },
  ContainerStateRunning: {
    description: "A running container.",
    fields: { startedAt: f(1, "Time", "When it last started.") },
  },
  ContainerStateTerminated: {
    description: "A container that exited.",
    fields: {
      exitCode: r(1, "int32", "Exit status."),
      signal: f(2, "int32", "Signal that ended it."),
      reason: f(3, "string", "Why it exited, e.g. Completed or Error."),
      message: f(4, "string", "Details."),
      startedAt: f(5, "Time", "When that run started."),
      finishedAt: f(6, "Time", "When it exited."),
      containerID: f(7, "string", "Runtime ID as <type>://<id>."),
    },
  },
  VolumeMountStatus: {
    description: "Observed state of one volume mount.",
    fields: {
      name: r(1, "string", "Volume name."),
      mountPath: r(2, "string", "Mount path."),
      readOnly: f(3, "bool", "Whether it is read-only."),
      recursiveReadOnly: p(4, "string", "Effective recursive read-only mode."),
    },
  },
  ContainerUser: {
    description: "The identity a container process runs as.",
    fields: { linux: p(1, "LinuxContainerUser", "Linux identity.") },
  },
  LinuxContainerUser: {
    description: "Linux user and groups of a container process.",
    fields: {
      uid: r(1, "int64", "User ID."),
      gid: r(2, "int64", "Primary group ID."),
      supplementalGroups: f(3, "[]int64", "Extra group IDs.", ATOMIC),
    },
  },
  ResourceStatus: {
    description: "Health of the devices behind one allocated resource.",
    fields: {
      name: r(1, "string", "Resource name."),
      resources: f(2, "[]ResourceHealth", "Per-device health.", {
        listType: "map",
        listMapKeys: ["resourceID"],
      }),
    },
  },
  ResourceHealth: {
    description: "Health of one allocated device.",
    fields: {
      resourceID: r(1, "string", "Device ID."),
      health: f(2, "string", "Healthy, Unhealthy or Unknown.", {
        enum: ["Healthy", "Unhealthy", "Unknown"],
      }),
    },
  },
};
