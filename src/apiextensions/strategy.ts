/**
 * The write strategy of one custom resource version: pruning, defaulting,
 * schema validation and CEL rules, status subresource handling.
 */
import type { FieldError } from "../api/status.ts";
import type { KObject, Strategy } from "../api/types.ts";
import { nameIsDNSSubdomain } from "../api/validation/names.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "../api/validation/object-meta.ts";
import { evaluateRules } from "./cel-rules.ts";
import { applyDefaults, dropNulls, prune } from "./prune.ts";
import type { JSONSchemaProps } from "./types.ts";
import { validateValue } from "./validate.ts";

/** Schema of the object without metadata (ObjectMeta is validated on its own). */
function withoutMetadata(schema: JSONSchemaProps): JSONSchemaProps {
  if (!schema.properties?.metadata) return schema;
  const { metadata: _m, ...properties } = schema.properties;
  return { ...schema, properties };
}

/** Prunes, drops non-nullable nulls and applies defaults, in place; returns pruned paths. */
export function normalizeCustomResource(
  obj: KObject,
  schema: JSONSchemaProps | undefined,
): string[] {
  if (!schema) return [];
  dropNulls(obj, schema);
  const removed = prune(obj, schema, true);
  applyDefaults(obj, schema);
  return removed;
}

/** The strategy for a version with `schema` (undefined: no schema, nothing checked). */
export function customResourceStrategy(opts: {
  schema: JSONSchemaProps | undefined;
  namespaced: boolean;
  hasStatus: boolean;
}): Strategy {
  const schema = opts.schema;
  const bodySchema = schema ? withoutMetadata(schema) : undefined;
  const metaRules = { namespaced: opts.namespaced, nameFn: nameIsDNSSubdomain };
  const validateBody = (
    obj: KObject,
    old: KObject | undefined,
    transitionOnly: boolean,
  ): FieldError[] => {
    if (!bodySchema) return [];
    const errs = transitionOnly ? [] : validateValue(bodySchema, obj, "");
    return [...errs, ...evaluateRules(bodySchema, obj, old, "", transitionOnly)];
  };
  /** Update validation with ratcheting: unchanged values are not re-validated. */
  const validateBodyRatcheting = (obj: KObject, old: KObject): FieldError[] => {
    if (!bodySchema) return [];
    return [
      ...validateValue(bodySchema, obj, "", { old }),
      ...evaluateRules(bodySchema, obj, old, "", false, true),
    ];
  };
  /**
   * Objects being updated (marked by prepareForUpdate): validate() leaves
   * their body to validateUpdate(), which knows the old object and ratchets.
   * An object replaced by admission in between is unmarked and falls back to
   * full validation in validate() plus transition rules in validateUpdate().
   */
  const updating = new WeakSet<KObject>();
  return {
    usesCel: true, // x-kubernetes-validations rules
    defaults(obj) {
      normalizeCustomResource(obj, schema);
    },
    prepareForCreate(obj) {
      if (opts.hasStatus) delete obj.status;
    },
    prepareForUpdate(obj) {
      updating.add(obj);
    },
    validate(obj) {
      const meta = validateObjectMeta(obj, metaRules);
      return updating.has(obj) ? meta : [...meta, ...validateBody(obj, undefined, false)];
    },
    validateUpdate(obj, old) {
      const body = updating.has(obj)
        ? validateBodyRatcheting(obj, old)
        : validateBody(obj, old, true);
      updating.delete(obj);
      return [...validateObjectMetaUpdate(obj, old), ...body];
    },
    validateStatusUpdate(obj, old) {
      normalizeCustomResource(obj, schema);
      return [
        ...validateObjectMeta(obj, metaRules),
        ...validateObjectMetaUpdate(obj, old),
        ...validateBodyRatcheting(obj, old),
      ];
    },
  };
}
