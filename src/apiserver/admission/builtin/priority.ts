/**
 * Priority admission, as upstream: a pod's priorityClassName resolves to
 * spec.priority and spec.preemptionPolicy from its PriorityClass (403 when
 * the class does not exist or the pod states a different value); a pod
 * without a class gets the globalDefault class (lowest value if several),
 * else priority 0. PriorityClasses: only one may be globalDefault.
 */
import type { KObject } from "../../../api/types.ts";
import { SYSTEM_PRIORITY_CLASSES } from "../../../api/defaults/pod.ts";
import type { AdmissionAttributes, AdmissionPlugin } from "../../pipeline.ts";
import { admissionForbidden, isPodWrite } from "./admission-error.ts";
import type { ServerRef } from "./server-ref.ts";
import { ObjectCache } from "../../object-cache.ts";
import { thenNow } from "../then-now.ts";

type PriorityClass = KObject & {
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
};
type PodSpec = { priorityClassName?: string; priority?: number; preemptionPolicy?: string };

/** The globalDefault class with the lowest value, as upstream picks after a race. */
export function defaultPriorityClass(classes: PriorityClass[]): PriorityClass | undefined {
  let best: PriorityClass | undefined;
  for (const pc of classes) {
    if (pc.globalDefault && (!best || (best.value ?? 0) > (pc.value ?? 0))) best = pc;
  }
  return best;
}

function isPriorityClassWrite(attrs: AdmissionAttributes): boolean {
  return (
    attrs.def.group === "scheduling.k8s.io" &&
    attrs.def.resource === "priorityclasses" &&
    attrs.subresource === "" &&
    (attrs.operation === "CREATE" || attrs.operation === "UPDATE")
  );
}

export function priorityPlugin(server: ServerRef): AdmissionPlugin {
  /** From the shared cache, as upstream's lister: no storage read (nor promise, once listed) per pod. */
  const classes = (): PriorityClass[] | Promise<PriorityClass[]> => {
    const s = server.now();
    if (!s) return server.get().then(() => classes());
    const def = s.registry.get("scheduling.k8s.io", "v1", "priorityclasses");
    if (!def) return [];
    const cache = ObjectCache.shared(s, def);
    return (cache.listNow() ?? cache.list()) as PriorityClass[] | Promise<PriorityClass[]>;
  };
  return {
    name: "Priority",
    admit(attrs) {
      if (!isPodWrite(attrs)) return;
      return thenNow(classes(), (all) => {
        const spec = (attrs.object!.spec ??= {}) as PodSpec;
        let pc: PriorityClass | undefined;
        if (!spec.priorityClassName) {
          pc = defaultPriorityClass(all);
          // The pod strategy already set priority 0 for class-less pods: the default class wins.
          spec.priority = pc?.value ?? 0;
          if (pc) {
            spec.priorityClassName = pc.metadata?.name;
            spec.preemptionPolicy = pc.preemptionPolicy ?? "PreemptLowerPriority";
          }
          return;
        }
        pc = all.find((c) => c.metadata?.name === spec.priorityClassName);
        const value =
          pc?.value ??
          SYSTEM_PRIORITY_CLASSES[spec.priorityClassName] ??
          (undefined as number | undefined);
        if (value === undefined)
          throw admissionForbidden(
            attrs,
            `no PriorityClass with name ${spec.priorityClassName} was found`,
          );
        if (spec.priority !== undefined && spec.priority !== value)
          throw admissionForbidden(
            attrs,
            `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
          );
        spec.priority = value;
        const policy = pc?.preemptionPolicy ?? "PreemptLowerPriority";
        if (
          spec.preemptionPolicy !== undefined &&
          spec.preemptionPolicy !== policy &&
          pc?.preemptionPolicy
        )
          throw admissionForbidden(
            attrs,
            `the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`,
          );
        spec.preemptionPolicy = policy;
      });
    },
    validate(attrs) {
      if (!isPriorityClassWrite(attrs)) return;
      return checkOneDefault(attrs);
    },
  };

  async function checkOneDefault(attrs: AdmissionAttributes): Promise<void> {
    const pc = attrs.object as PriorityClass;
    if (!pc.globalDefault) return;
    const other = (await classes()).find(
      (c) => c.globalDefault && c.metadata?.name !== pc.metadata?.name,
    );
    if (other)
      throw admissionForbidden(
        attrs,
        `PriorityClass ${other.metadata?.name} is already marked as default. Only one default can exist`,
      );
  }
}
