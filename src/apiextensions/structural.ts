/**
 * Structural schema rules of CRD schemas (apiextensions v1): every node has
 * a type unless int-or-string or preserve-unknown-fields, arrays have items,
 * properties and additionalProperties exclude each other, list-map keys are
 * given, patterns compile, defaults validate, root metadata only names.
 */
import { fieldErrors, type FieldError } from "../api/status.ts";
import type { JSONSchemaProps } from "./types.ts";
import { validateValue } from "./validate.ts";

const TYPES = ["array", "boolean", "integer", "number", "object", "string"];

/** Field errors of `schema` (a version's openAPIV3Schema) at field path `path`. */
export function validateStructural(schema: JSONSchemaProps, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (schema.type !== "object") {
    if (!schema.type)
      errs.push(fieldErrors.required(`${path}.type`, "must not be empty at the root"));
    else errs.push(fieldErrors.notSupported(`${path}.type`, schema.type, ["object"]));
  }
  const meta = schema.properties?.metadata;
  if (meta) {
    const extra = Object.keys(meta.properties ?? {}).filter(
      (k) => k !== "name" && k !== "generateName",
    );
    if (extra.length > 0 || (meta.type !== undefined && meta.type !== "object")) {
      errs.push(
        fieldErrors.forbidden(
          `${path}.properties[metadata]`,
          "must not specify anything other than name and generateName, but metadata is implicitly specified",
        ),
      );
    }
  }
  node(schema, path, true, errs);
  return errs;
}

function node(s: JSONSchemaProps, p: string, root: boolean, errs: FieldError[]): void {
  const loose = s["x-kubernetes-int-or-string"] || s["x-kubernetes-preserve-unknown-fields"];
  if (!root && !s.type && !loose) {
    errs.push(fieldErrors.required(`${p}.type`, "must not be empty for specified object fields"));
  }
  if (s.type && !TYPES.includes(s.type))
    errs.push(fieldErrors.notSupported(`${p}.type`, s.type, TYPES));
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errs.push(
      fieldErrors.forbidden(
        `${p}.additionalProperties`,
        "additionalProperties and properties are mutual exclusive",
      ),
    );
  }
  if (s.type === "array" && !s.items)
    errs.push(fieldErrors.required(`${p}.items`, "must be specified"));
  if (s["x-kubernetes-preserve-unknown-fields"] === false) {
    errs.push(
      fieldErrors.invalid(
        `${p}.x-kubernetes-preserve-unknown-fields`,
        false,
        "must be true or undefined",
      ),
    );
  }
  const listType = s["x-kubernetes-list-type"];
  if (listType !== undefined) {
    if (!["atomic", "set", "map"].includes(listType)) {
      errs.push(
        fieldErrors.notSupported(`${p}.x-kubernetes-list-type`, listType, ["atomic", "map", "set"]),
      );
    } else if (s.type !== "array") {
      errs.push(
        fieldErrors.invalid(
          `${p}.x-kubernetes-list-type`,
          listType,
          "must only be used if type is array",
        ),
      );
    }
    if (listType === "map") {
      const keys = s["x-kubernetes-list-map-keys"] ?? [];
      if (keys.length === 0) {
        errs.push(
          fieldErrors.required(
            `${p}.x-kubernetes-list-map-keys`,
            "must not be empty if x-kubernetes-list-type is map",
          ),
        );
      }
      keys.forEach((k, i) => {
        const ks = s.items?.properties?.[k];
        if (!ks) {
          errs.push(
            fieldErrors.invalid(
              `${p}.x-kubernetes-list-map-keys[${i}]`,
              k,
              "entries must all be names of item properties",
            ),
          );
        } else if (!(s.items?.required ?? []).includes(k) && ks.default === undefined) {
          errs.push(
            fieldErrors.required(
              `${p}.items.properties[${k}]`,
              "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
            ),
          );
        }
      });
    }
  } else if (s["x-kubernetes-list-map-keys"] !== undefined) {
    errs.push(
      fieldErrors.invalid(
        `${p}.x-kubernetes-list-map-keys`,
        s["x-kubernetes-list-map-keys"],
        "must only be used if x-kubernetes-list-type is map",
      ),
    );
  }
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, "u");
    } catch (e) {
      errs.push(
        fieldErrors.invalid(
          `${p}.pattern`,
          s.pattern,
          `must be a valid regular expression, but isn't: ${(e as Error).message}`,
        ),
      );
    }
  }
  if (s.default !== undefined) {
    if (root) errs.push(fieldErrors.forbidden(`${p}.default`, "must not be set at the root"));
    else {
      for (const e of validateValue({ ...s, default: undefined }, s.default, `${p}.default`)) {
        errs.push({ ...e, field: `${p}.default` });
      }
    }
  }
  for (const [k, ps] of Object.entries(s.properties ?? {})) {
    if (root && k === "metadata") continue;
    node(ps, `${p}.properties[${k}]`, false, errs);
  }
  if (s.items) node(s.items, `${p}.items`, false, errs);
  if (typeof s.additionalProperties === "object")
    node(s.additionalProperties, `${p}.additionalProperties`, false, errs);
}
