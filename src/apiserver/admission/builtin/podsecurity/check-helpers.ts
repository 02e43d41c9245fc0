/**
 * Types and text helpers shared by the Pod Security Standards checks: the
 * parts of a pod spec they read, and upstream's list wording
 * (`container "a"`, `containers "a", "b"`).
 */
export type Obj = Record<string, unknown>;
export type SecurityContext = {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string; localhostProfile?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  windowsOptions?: { hostProcess?: boolean };
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  sysctls?: { name?: string }[];
};
export type Container = {
  name?: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
};
export type PodSpec = Obj & {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: SecurityContext;
  volumes?: (Obj & { name?: string })[];
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
};
/** The pod metadata checks read (AppArmor annotations). */
export type PodMeta = { annotations?: Record<string, string> };

export interface CheckResult {
  reason: string;
  detail?: string;
}

export interface Check {
  id: string;
  check(spec: PodSpec, meta: PodMeta): CheckResult | undefined;
}

/** Init, regular and ephemeral containers, in that order (upstream's visitor order). */
export function allContainers(spec: PodSpec): Container[] {
  return [
    ...(spec.initContainers ?? []),
    ...(spec.containers ?? []),
    ...(spec.ephemeralContainers ?? []),
  ];
}

export const quote = (xs: string[]) => xs.map((x) => `"${x}"`).join(", ");
export const plural = (one: string, many: string, n: number) => (n === 1 ? one : many);
export const named = (noun: string, names: string[]) =>
  `${plural(noun, `${noun}s`, names.length)} ${quote(names)}`;
export const namesWhere = (spec: PodSpec, f: (c: Container) => boolean) =>
  allContainers(spec)
    .filter(f)
    .map((c) => c.name ?? "");
