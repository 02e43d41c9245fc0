/**
 * The Pod Security Standards checks (k8s.io/pod-security-admission policy),
 * each a pure function of a pod spec (and metadata) returning upstream's reason and detail
 * text, or undefined when the pod passes. `BASELINE_CHECKS` and
 * `RESTRICTED_CHECKS` list them in upstream's evaluation order; restricted
 * replaces the baseline capabilities and seccomp checks.
 */
import {
  allContainers,
  named,
  namesWhere,
  plural,
  quote,
  type Check,
  type CheckResult,
  type PodMeta,
  type PodSpec,
  type SecurityContext,
} from "./check-helpers.ts";
import {
  appArmorProfile,
  procMount,
  seLinuxOptions,
  windowsHostProcess,
} from "./more-baseline-checks.ts";

export type { Check, CheckResult, PodMeta, PodSpec };

const BASELINE_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

const RESTRICTED_VOLUME_SOURCES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

/** Linux-only restricted checks pass pods that declare spec.os.name windows (policy 1.25+). */
const isWindows = (spec: PodSpec) => (spec.os as { name?: string } | undefined)?.name === "windows";

const allowPrivilegeEscalation: Check = {
  id: "allowPrivilegeEscalation",
  check(spec) {
    if (isWindows(spec)) return undefined;
    const bad = namesWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
    if (!bad.length) return undefined;
    return {
      reason: "allowPrivilegeEscalation != false",
      detail: `${named("container", bad)} must set securityContext.allowPrivilegeEscalation=false`,
    };
  },
};

function addedCapabilities(spec: PodSpec, allowed: (cap: string) => boolean) {
  const containers: string[] = [];
  const caps: string[] = [];
  for (const c of allContainers(spec)) {
    const bad = (c.securityContext?.capabilities?.add ?? []).filter((cap) => !allowed(cap));
    if (!bad.length) continue;
    containers.push(c.name ?? "");
    for (const cap of bad) if (!caps.includes(cap)) caps.push(cap);
  }
  return { containers, caps };
}

const capabilitiesBaseline: Check = {
  id: "capabilities_baseline",
  check(spec) {
    const { containers, caps } = addedCapabilities(spec, (cap) => BASELINE_CAPABILITIES.has(cap));
    if (!containers.length) return undefined;
    return {
      reason: "non-default capabilities",
      detail: `${named("container", containers)} must not include ${quote(caps)} in securityContext.capabilities.add`,
    };
  },
};

const capabilitiesRestricted: Check = {
  id: "capabilities_restricted",
  check(spec) {
    if (isWindows(spec)) return undefined;
    const noDrop = namesWhere(
      spec,
      (c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL"),
    );
    const { containers, caps } = addedCapabilities(spec, (cap) => cap === "NET_BIND_SERVICE");
    const parts: string[] = [];
    if (noDrop.length)
      parts.push(
        `${named("container", noDrop)} must set securityContext.capabilities.drop=["ALL"]`,
      );
    if (containers.length)
      parts.push(
        `${named("container", containers)} must not include ${quote(caps)} in securityContext.capabilities.add`,
      );
    return parts.length
      ? { reason: "unrestricted capabilities", detail: parts.join("; ") }
      : undefined;
  },
};

const hostNamespaces: Check = {
  id: "hostNamespaces",
  check(spec) {
    const set = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true);
    if (!set.length) return undefined;
    return { reason: "host namespaces", detail: set.map((k) => `${k}=true`).join(", ") };
  },
};

const hostPathVolumes: Check = {
  id: "hostPathVolumes",
  check(spec) {
    const bad = (spec.volumes ?? [])
      .filter((v) => v.hostPath !== undefined)
      .map((v) => v.name ?? "");
    return bad.length ? { reason: "hostPath volumes", detail: named("volume", bad) } : undefined;
  },
};

const hostPorts: Check = {
  id: "hostPorts",
  check(spec) {
    const containers: string[] = [];
    const ports: string[] = [];
    for (const c of allContainers(spec)) {
      const used = (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0);
      if (!used.length) continue;
      containers.push(c.name ?? "");
      for (const p of used) if (!ports.includes(String(p))) ports.push(String(p));
    }
    if (!containers.length) return undefined;
    return {
      reason: "hostPort",
      detail: `${named("container", containers)} ${plural("uses", "use", containers.length)} ${plural("hostPort", "hostPorts", ports.length)} ${ports.join(", ")}`,
    };
  },
};

const privileged: Check = {
  id: "privileged",
  check(spec) {
    const bad = namesWhere(spec, (c) => c.securityContext?.privileged === true);
    if (!bad.length) return undefined;
    return {
      reason: "privileged",
      detail: `${named("container", bad)} must not set securityContext.privileged=true`,
    };
  },
};

const restrictedVolumes: Check = {
  id: "restrictedVolumes",
  check(spec) {
    const volumes: string[] = [];
    const types: string[] = [];
    for (const v of spec.volumes ?? []) {
      const source = Object.keys(v).find(
        (k) => k !== "name" && v[k] !== undefined && v[k] !== null,
      );
      if (!source || RESTRICTED_VOLUME_SOURCES.has(source)) continue;
      volumes.push(v.name ?? "");
      if (!types.includes(source)) types.push(source);
    }
    if (!volumes.length) return undefined;
    return {
      reason: "restricted volume types",
      detail: `${named("volume", volumes)} ${plural("uses", "use", volumes.length)} ${plural("restricted volume type", "restricted volume types", types.length)} ${quote(types)}`,
    };
  },
};

const runAsNonRoot: Check = {
  id: "runAsNonRoot",
  check(spec) {
    const parts: string[] = [];
    const pod = spec.securityContext?.runAsNonRoot;
    if (pod === false) parts.push("pod must not set securityContext.runAsNonRoot=false");
    const explicitFalse = namesWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
    if (explicitFalse.length)
      parts.push(
        `${named("container", explicitFalse)} must not set securityContext.runAsNonRoot=false`,
      );
    if (pod !== true) {
      const unset = namesWhere(spec, (c) => c.securityContext?.runAsNonRoot === undefined);
      if (unset.length)
        parts.push(
          `pod or ${named("container", unset)} must set securityContext.runAsNonRoot=true`,
        );
    }
    return parts.length ? { reason: "runAsNonRoot != true", detail: parts.join("; ") } : undefined;
  },
};

const runAsUser: Check = {
  id: "runAsUser",
  check(spec) {
    const parts: string[] = [];
    if (spec.securityContext?.runAsUser === 0) parts.push("pod must not set runAsUser=0");
    const bad = namesWhere(spec, (c) => c.securityContext?.runAsUser === 0);
    if (bad.length) parts.push(`${named("container", bad)} must not set runAsUser=0`);
    return parts.length ? { reason: "runAsUser=0", detail: parts.join("; ") } : undefined;
  },
};

const unconfined = (sc?: SecurityContext) => sc?.seccompProfile?.type === "Unconfined";
const UNCONFINED_DETAIL = 'must not set securityContext.seccompProfile.type to "Unconfined"';

const seccompProfileBaseline: Check = {
  id: "seccompProfile_baseline",
  check(spec) {
    const parts: string[] = [];
    if (unconfined(spec.securityContext)) parts.push(`pod ${UNCONFINED_DETAIL}`);
    const bad = namesWhere(spec, (c) => unconfined(c.securityContext));
    if (bad.length) parts.push(`${named("container", bad)} ${UNCONFINED_DETAIL}`);
    return parts.length ? { reason: "seccompProfile", detail: parts.join("; ") } : undefined;
  },
};

const seccompProfileRestricted: Check = {
  id: "seccompProfile_restricted",
  check(spec) {
    if (isWindows(spec)) return undefined;
    const valid = (t?: string) => t === "RuntimeDefault" || t === "Localhost";
    const parts: string[] = [];
    const podType = spec.securityContext?.seccompProfile?.type;
    if (podType !== undefined && !valid(podType))
      parts.push(`pod must not set securityContext.seccompProfile.type to "${podType}"`);
    const badTypes: string[] = [];
    const bad = namesWhere(spec, (c) => {
      const t = c.securityContext?.seccompProfile?.type;
      if (t === undefined || valid(t)) return false;
      if (!badTypes.includes(t)) badTypes.push(t);
      return true;
    });
    if (bad.length)
      parts.push(
        `${named("container", bad)} must not set securityContext.seccompProfile.type to ${quote(badTypes)}`,
      );
    if (!valid(podType)) {
      const unset = namesWhere(spec, (c) => c.securityContext?.seccompProfile?.type === undefined);
      if (unset.length)
        parts.push(
          `pod or ${named("container", unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
        );
    }
    return parts.length ? { reason: "seccompProfile", detail: parts.join("; ") } : undefined;
  },
};

const sysctls: Check = {
  id: "sysctls",
  check(spec) {
    const bad = (spec.securityContext?.sysctls ?? [])
      .map((s) => s.name ?? "")
      .filter((n) => !SAFE_SYSCTLS.has(n));
    return bad.length ? { reason: "forbidden sysctls", detail: bad.join(", ") } : undefined;
  },
};

/** Baseline checks by id, in upstream's order. */
export const BASELINE_CHECKS: Check[] = [
  appArmorProfile,
  capabilitiesBaseline,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  privileged,
  procMount,
  seLinuxOptions,
  seccompProfileBaseline,
  sysctls,
  windowsHostProcess,
];

/**
 * Restricted: the baseline checks it does not override, then its own, each
 * group by id (upstream evaluates baseline first).
 */
export const RESTRICTED_CHECKS: Check[] = [
  appArmorProfile,
  hostNamespaces,
  hostPathVolumes,
  hostPorts,
  privileged,
  procMount,
  seLinuxOptions,
  sysctls,
  windowsHostProcess,
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
];

/** Failed checks of spec at level; an empty list means allowed. */
export function evaluatePod(level: string, spec: PodSpec, meta: PodMeta = {}): CheckResult[] {
  const checks =
    level === "privileged" ? [] : level === "baseline" ? BASELINE_CHECKS : RESTRICTED_CHECKS;
  return checks.flatMap((c) => c.check(spec, meta) ?? []);
}

/** "reason (detail), reason (detail)", as upstream's aggregate message. */
export function formatFailures(failures: CheckResult[]): string {
  return failures.map((f) => (f.detail ? `${f.reason} (${f.detail})` : f.reason)).join(", ");
}
