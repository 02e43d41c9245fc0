/** What DefaultIngressClass and DefaultStorageClass share: picking the default class, and their trigger. */
import type { KObject } from "../../../api/types.ts";
import type { AdmissionAttributes } from "../../pipeline.ts";

/**
 * The default among classes (those isDefault accepts): the newest
 * creationTimestamp, then the first name, as upstream's GetDefaultClass.
 */
export function newestDefault(
  classes: KObject[],
  isDefault: (annotations: Record<string, string>) => boolean,
): KObject | undefined {
  return classes
    .filter((c) => isDefault(c.metadata?.annotations ?? {}))
    .sort((a, b) => {
      const ta = Date.parse(a.metadata?.creationTimestamp ?? "") || 0;
      const tb = Date.parse(b.metadata?.creationTimestamp ?? "") || 0;
      if (ta !== tb) return tb - ta;
      return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1;
    })[0];
}

/** A create of group/resource itself (no subresource) with an object. */
export function isCreateOf(attrs: AdmissionAttributes, group: string, resource: string): boolean {
  return (
    attrs.operation === "CREATE" &&
    attrs.subresource === "" &&
    attrs.object !== undefined &&
    attrs.def.group === group &&
    attrs.def.resource === resource
  );
}
