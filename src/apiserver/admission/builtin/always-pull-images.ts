/**
 * AlwaysPullImages admission (off by default), as upstream: every container,
 * init container and ephemeral container of a pod being created or updated
 * gets imagePullPolicy: Always.
 */
import type { AdmissionPlugin } from "../../pipeline.ts";
import { isPodWrite } from "./admission-error.ts";

type Spec = Record<string, { imagePullPolicy?: string }[] | undefined>;

export function alwaysPullImagesPlugin(): AdmissionPlugin {
  return {
    name: "AlwaysPullImages",
    admit(attrs) {
      if (!isPodWrite(attrs, ["CREATE", "UPDATE"])) return;
      const spec = (attrs.object!.spec ?? {}) as Spec;
      for (const field of ["initContainers", "containers", "ephemeralContainers"])
        for (const c of spec[field] ?? []) c.imagePullPolicy = "Always";
    },
  };
}
