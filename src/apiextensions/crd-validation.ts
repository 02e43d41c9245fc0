/**
 * Validation and defaulting of CustomResourceDefinition objects, with
 * upstream's field paths and messages (names, scope, versions, structural
 * schemas, CEL rules, printer columns, subresources, conversion).
 */
import { validateConversion } from "./conversion/validate-conversion.ts";
import { fieldErrors, type FieldError } from "../api/status.ts";
import type { KObject } from "../api/types.ts";
import { isDNS1035Label, isDNS1123Subdomain } from "../api/validation/names.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "../api/validation/object-meta.ts";
import { nameIsDNSSubdomain } from "../api/validation/names.ts";
import { ruleCompileErrors } from "./cel-rules.ts";
import { parseJSONPath } from "./jsonpath.ts";
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from "./types.ts";
import { validateStructural } from "./structural.ts";

const COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"];

/** Fills upstream's defaults in place: singular, listKind, conversion strategy. */
export function defaultCRD(obj: KObject): void {
  const crd = obj as CustomResourceDefinition;
  const spec = crd.spec;
  if (!spec || typeof spec !== "object") return;
  if (spec.names && typeof spec.names === "object") {
    if (!spec.names.singular && typeof spec.names.kind === "string")
      spec.names.singular = spec.names.kind.toLowerCase();
    if (!spec.names.listKind && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`;
  }
  spec.conversion ??= { strategy: "None" };
  spec.conversion.strategy ??= "None";
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    for (const c of v.additionalPrinterColumns ?? []) c.priority ??= 0;
  }
}

function validateNames(crd: CustomResourceDefinition, errs: FieldError[]): void {
  const n = crd.spec.names ?? ({} as CustomResourceDefinition["spec"]["names"]);
  const p = "spec.names";
  const label = (field: string, value: unknown, required: boolean) => {
    if (typeof value !== "string" || value === "") {
      if (required) errs.push(fieldErrors.required(`${p}.${field}`));
      return;
    }
    for (const m of isDNS1035Label(value))
      errs.push(fieldErrors.invalid(`${p}.${field}`, value, m));
  };
  label("plural", n.plural, true);
  label("singular", n.singular, true);
  (n.shortNames ?? []).forEach((s, i) => label(`shortNames[${i}]`, s, true));
  (n.categories ?? []).forEach((s, i) => label(`categories[${i}]`, s, true));
  for (const field of ["kind", "listKind"] as const) {
    const v = n[field];
    if (typeof v !== "string" || v === "") errs.push(fieldErrors.required(`${p}.${field}`));
    else if (!/^[A-Za-z][A-Za-z0-9]*$/.test(v) || v.toLowerCase() === v.toUpperCase()) {
      errs.push(
        fieldErrors.invalid(
          `${p}.${field}`,
          v,
          "may have mixed case, but should otherwise match: ^[a-z]([-a-z0-9]*[a-z0-9])?$",
        ),
      );
    }
  }
  if (n.kind && n.listKind && n.kind === n.listKind) {
    errs.push(
      fieldErrors.invalid(`${p}.listKind`, n.listKind, "kind and listKind may not be the same"),
    );
  }
}

function validateColumns(v: CustomResourceDefinitionVersion, p: string, errs: FieldError[]): void {
  (v.additionalPrinterColumns ?? []).forEach((c, i) => {
    const cp = `${p}.additionalPrinterColumns[${i}]`;
    if (!c.name) errs.push(fieldErrors.required(`${cp}.name`));
    if (!c.type) errs.push(fieldErrors.required(`${cp}.type`));
    else if (!COLUMN_TYPES.includes(c.type))
      errs.push(fieldErrors.notSupported(`${cp}.type`, c.type, COLUMN_TYPES));
    if (!c.jsonPath) errs.push(fieldErrors.required(`${cp}.JSONPath`));
    else {
      try {
        parseJSONPath(c.jsonPath);
      } catch (e) {
        errs.push(fieldErrors.invalid(`${cp}.JSONPath`, c.jsonPath, (e as Error).message));
      }
    }
  });
}

function schemaHas(schema: JSONSchemaProps | undefined, path: string): boolean {
  let s = schema;
  for (const part of path.replace(/^\./, "").split(".")) {
    if (!s) return false;
    if (s["x-kubernetes-preserve-unknown-fields"] && !s.properties?.[part]) return true;
    s = s.properties?.[part];
  }
  return s !== undefined;
}

function validateSubresources(
  v: CustomResourceDefinitionVersion,
  p: string,
  errs: FieldError[],
): void {
  const scale = v.subresources?.scale;
  if (!scale) return;
  const sp = `${p}.subresources.scale`;
  if (!scale.specReplicasPath) errs.push(fieldErrors.required(`${sp}.specReplicasPath`));
  else if (!scale.specReplicasPath.startsWith(".spec.")) {
    errs.push(
      fieldErrors.invalid(
        `${sp}.specReplicasPath`,
        scale.specReplicasPath,
        "should be a json path under .spec",
      ),
    );
  }
  if (!scale.statusReplicasPath) errs.push(fieldErrors.required(`${sp}.statusReplicasPath`));
  else if (!scale.statusReplicasPath.startsWith(".status.")) {
    errs.push(
      fieldErrors.invalid(
        `${sp}.statusReplicasPath`,
        scale.statusReplicasPath,
        "should be a json path under .status",
      ),
    );
  }
  if (scale.labelSelectorPath && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
    errs.push(
      fieldErrors.invalid(
        `${sp}.labelSelectorPath`,
        scale.labelSelectorPath,
        "should be a json path under either .spec or .status",
      ),
    );
  }
}

function validateVersions(crd: CustomResourceDefinition, errs: FieldError[]): void {
  const versions = crd.spec.versions;
  if (!Array.isArray(versions) || versions.length === 0) {
    errs.push(
      fieldErrors.invalid(
        "spec.versions",
        versions ?? null,
        "must have exactly one version marked as storage version",
      ),
    );
    return;
  }
  const seen = new Set<string>();
  let storage = 0;
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!v.name) errs.push(fieldErrors.required(`${p}.name`));
    else {
      for (const m of isDNS1035Label(v.name))
        errs.push(fieldErrors.invalid(`${p}.name`, v.name, m));
      if (seen.has(v.name)) errs.push(fieldErrors.duplicate(`${p}.name`, v.name));
      seen.add(v.name);
    }
    if (v.storage) storage++;
    const schema = v.schema?.openAPIV3Schema;
    if (!schema)
      errs.push(fieldErrors.required(`${p}.schema.openAPIV3Schema`, "schemas are required"));
    else {
      const sp = `${p}.schema.openAPIV3Schema`;
      errs.push(...validateStructural(schema, sp));
      errs.push(...ruleCompileErrors(schema, sp));
    }
    validateColumns(v, p, errs);
    validateSubresources(v, p, errs);
    (v.selectableFields ?? []).forEach((f, j) => {
      const fp = `${p}.selectableFields[${j}].jsonPath`;
      if (!f.jsonPath) errs.push(fieldErrors.required(fp));
      else if (!schemaHas(schema, f.jsonPath))
        errs.push(
          fieldErrors.invalid(
            fp,
            f.jsonPath,
            "is an invalid path: does not refer to a valid field",
          ),
        );
    });
  });
  if (storage !== 1) {
    errs.push(
      fieldErrors.invalid(
        "spec.versions",
        versions.map((v) => v.name),
        "must have exactly one version marked as storage version",
      ),
    );
  }
  if (!versions.some((v) => v.served)) {
    errs.push(
      fieldErrors.invalid(
        "spec.versions",
        versions.map((v) => v.name),
        "must have at least one served version",
      ),
    );
  }
}

/** Field errors of a new CRD. */
export function validateCRD(obj: KObject): FieldError[] {
  const crd = obj as CustomResourceDefinition;
  const errs = validateObjectMeta(obj, { namespaced: false, nameFn: nameIsDNSSubdomain });
  const spec = crd.spec;
  if (!spec || typeof spec !== "object") return [...errs, fieldErrors.required("spec")];
  if (!spec.group) errs.push(fieldErrors.required("spec.group"));
  else {
    for (const m of isDNS1123Subdomain(spec.group))
      errs.push(fieldErrors.invalid("spec.group", spec.group, m));
    if (!spec.group.includes("."))
      errs.push(
        fieldErrors.invalid("spec.group", spec.group, "should be a domain with at least one dot"),
      );
  }
  const expected = `${spec.names?.plural}.${spec.group}`;
  if (spec.names?.plural && spec.group && crd.metadata?.name !== expected) {
    errs.push(
      fieldErrors.invalid(
        "metadata.name",
        crd.metadata?.name ?? "",
        `must be spec.names.plural+"."+spec.group`,
      ),
    );
  }
  if (spec.scope !== "Namespaced" && spec.scope !== "Cluster") {
    if (!spec.scope) errs.push(fieldErrors.required("spec.scope"));
    else errs.push(fieldErrors.notSupported("spec.scope", spec.scope, ["Cluster", "Namespaced"]));
  }
  validateNames(crd, errs);
  validateVersions(crd, errs);
  const strategy = spec.conversion?.strategy;
  if (strategy !== undefined && strategy !== "None" && strategy !== "Webhook") {
    errs.push(fieldErrors.notSupported("spec.conversion.strategy", strategy, ["None", "Webhook"]));
  }
  if (strategy === "Webhook" && !spec.conversion?.webhook) {
    errs.push(
      fieldErrors.required("spec.conversion.webhook", "required when strategy is set to Webhook"),
    );
  }
  errs.push(...validateConversion(spec));
  if (spec.preserveUnknownFields) {
    errs.push(
      fieldErrors.invalid(
        "spec.preserveUnknownFields",
        true,
        "must be false in order to use defaults in the schema",
      ),
    );
  }
  return errs;
}

/** Field errors of a CRD update (immutable group and plural as upstream). */
export function validateCRDUpdate(obj: KObject, old: KObject): FieldError[] {
  const crd = obj as CustomResourceDefinition;
  const prev = old as CustomResourceDefinition;
  const errs = validateObjectMetaUpdate(obj, old);
  if (crd.spec?.group !== prev.spec?.group)
    errs.push(fieldErrors.invalid("spec.group", crd.spec?.group, "field is immutable"));
  if (crd.spec?.names?.plural !== prev.spec?.names?.plural) {
    errs.push(
      fieldErrors.invalid("spec.names.plural", crd.spec?.names?.plural, "field is immutable"),
    );
  }
  const stored = prev.status?.storedVersions ?? [];
  for (const v of stored) {
    if (!(crd.spec?.versions ?? []).some((x) => x.name === v)) {
      errs.push(
        fieldErrors.invalid("status.storedVersions", stored, `must appear in spec.versions`),
      );
      break;
    }
  }
  return errs;
}
