/**
 * Baseline Pod Security Standards checks on profiles and options, with
 * upstream's reason and detail text: appArmorProfile (annotations and
 * securityContext.appArmorProfile), procMount, seLinuxOptions and
 * windowsHostProcess. Restricted includes them unchanged.
 */
import {
  allContainers,
  named,
  namesWhere,
  plural,
  quote,
  type Check,
  type SecurityContext,
} from "./check-helpers.ts";

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

const allowedAnnotationProfile = (p: string) =>
  p === "" || p === "runtime/default" || p.startsWith("localhost/");
const unconfinedAppArmor = (sc?: SecurityContext) => sc?.appArmorProfile?.type === "Unconfined";

/** AppArmor may not be disabled or overridden with an unconfined profile. */
export const appArmorProfile: Check = {
  id: "appArmorProfile",
  check(spec, meta) {
    const bad: string[] = [];
    for (const [k, v] of Object.entries(meta.annotations ?? {}))
      if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAnnotationProfile(v))
        bad.push(`${k}=${JSON.stringify(v)}`);
    bad.sort();
    const setters: string[] = [];
    if (unconfinedAppArmor(spec.securityContext)) setters.push("pod");
    const containers = namesWhere(spec, (c) => unconfinedAppArmor(c.securityContext));
    if (containers.length) setters.push(named("container", containers));
    if (setters.length)
      bad.push(
        `${setters.join(" and ")} must not set securityContext.appArmorProfile.type to "Unconfined"`,
      );
    if (!bad.length) return undefined;
    return {
      reason: plural("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.length),
      detail: bad.join(", "),
    };
  },
};

/** securityContext.procMount other than Default is forbidden. */
export const procMount: Check = {
  id: "procMount",
  check(spec) {
    const types: string[] = [];
    const bad = namesWhere(spec, (c) => {
      const t = c.securityContext?.procMount;
      if (t === undefined || t === "Default") return false;
      if (!types.includes(t)) types.push(t);
      return true;
    });
    if (!bad.length) return undefined;
    return {
      reason: "procMount",
      detail: `${named("container", bad)} must not set securityContext.procMount to ${quote(types.sort())}`,
    };
  },
};

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t"]);

/** SELinux types are limited to the container ones; user and role may not be set. */
export const seLinuxOptions: Check = {
  id: "seLinuxOptions",
  check(spec) {
    const badTypes: string[] = [];
    let setUser = false;
    let setRole = false;
    const valid = (sc?: SecurityContext) => {
      const o = sc?.seLinuxOptions;
      if (!o) return true;
      let ok = true;
      if (!SELINUX_TYPES.has(o.type ?? "")) {
        ok = false;
        if (!badTypes.includes(o.type ?? "")) badTypes.push(o.type ?? "");
      }
      if (o.user) [ok, setUser] = [false, true];
      if (o.role) [ok, setRole] = [false, true];
      return ok;
    };
    const setters: string[] = [];
    if (!valid(spec.securityContext)) setters.push("pod");
    const bad = allContainers(spec)
      .filter((c) => !valid(c.securityContext))
      .map((c) => c.name ?? "");
    if (bad.length) setters.push(named("container", bad));
    if (!setters.length) return undefined;
    // As upstream, user/role notes are listed only next to a bad type.
    const data: string[] = [];
    if (badTypes.length) {
      data.push(`${plural("type", "types", badTypes.length)} ${quote(badTypes.sort())}`);
      if (setUser) data.push("user may not be set");
      if (setRole) data.push("role may not be set");
    }
    return {
      reason: "seLinuxOptions",
      detail: `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`,
    };
  },
};

const hostProcess = (sc?: SecurityContext) => sc?.windowsOptions?.hostProcess === true;

/** Windows HostProcess containers are forbidden. */
export const windowsHostProcess: Check = {
  id: "windowsHostProcess",
  check(spec) {
    const setters: string[] = [];
    if (hostProcess(spec.securityContext)) setters.push("pod");
    const bad = namesWhere(spec, (c) => hostProcess(c.securityContext));
    if (bad.length) setters.push(named("container", bad));
    if (!setters.length) return undefined;
    return {
      reason: "hostProcess",
      detail: `${setters.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`,
    };
  },
};
