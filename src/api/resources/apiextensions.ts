/** The apiextensions.k8s.io/v1 resources: CustomResourceDefinitions. */
import type { KObject, ResourceDef } from "../types.ts";
import { defaultCRD, validateCRD, validateCRDUpdate } from "../../apiextensions/crd-validation.ts";
import { CLEANUP_FINALIZER } from "../../apiextensions/types.ts";
import { validateObjectMetaUpdate } from "../validation/object-meta.ts";

function prepareForCreate(obj: KObject): void {
  delete obj.status;
  const meta = obj.metadata!;
  const finalizers = meta.finalizers ?? [];
  if (!finalizers.includes(CLEANUP_FINALIZER)) meta.finalizers = [...finalizers, CLEANUP_FINALIZER];
}

/** A /status write takes the new status only; everything else stays as stored. */
function prepareForStatusUpdate(obj: KObject, old: KObject): void {
  for (const key of Object.keys(obj)) if (key !== "metadata" && key !== "status") delete obj[key];
  for (const [key, value] of Object.entries(old)) {
    if (key !== "metadata" && key !== "status") obj[key] = structuredClone(value);
  }
  const meta = obj.metadata!;
  meta.generation = old.metadata?.generation;
  if (meta.generation === undefined) delete meta.generation;
}

/** Every apiextensions.k8s.io/v1 resource definition. */
export function apiextensionsResources(): ResourceDef[] {
  const kind = "CustomResourceDefinition";
  return [
    {
      group: "apiextensions.k8s.io",
      version: "v1",
      resource: "customresourcedefinitions",
      singular: "customresourcedefinition",
      kind,
      namespaced: false,
      shortNames: ["crd", "crds"],
      categories: ["api-extensions"],
      subresources: [{ name: "status", kind, verbs: ["get", "patch", "update"] }],
      strategy: {
        usesCel: true, // x-kubernetes-validations rules are compiled
        defaults: defaultCRD,
        prepareForCreate,
        validate: validateCRD,
        validateUpdate: validateCRDUpdate,
        prepareForStatusUpdate,
        validateStatusUpdate: (obj, old) => validateObjectMetaUpdate(obj, old),
      },
    },
  ];
}
