/**
 * Per-type wire plans derived from the schema table: which protobuf field
 * number maps to which JSON field, and how Go structs embedded with
 * `json:",inline"` nest on the wire. Plans are built lazily and cached per
 * registry; they are read-only once built.
 */
import { inlinePath } from "./defs/spec-builders.ts";
import type { SchemaRegistry, TypeRef } from "./schema-registry.ts";
import type { FieldOptions } from "./types.ts";

export interface FieldPlan {
  /** JSON name. */
  name: string;
  /** Protobuf field number (inside the inline message, for inline fields). */
  num: number;
  type: TypeRef;
  /** Keep zero scalars when decoding (Go pointer or field without omitempty). */
  keepZero: boolean;
  /** The list (or each map value) is wrapped in a message with the items at field 1. */
  wrapped: boolean;
  /** The value (or each map value) is an apiextensions union message (see FieldOptions.union). */
  union?: { kind: NonNullable<FieldOptions["union"]>; schemaType: string };
}

export interface MessagePlan {
  /** Full type name, used in error messages. */
  typeName: string;
  /** Direct fields by protobuf number. */
  byNumber: Map<number, FieldPlan>;
  /** Inline (embedded struct) messages by the field number carrying them; they may nest. */
  inline: Map<number, MessagePlan>;
  /** Every JSON field, inline ones (at any depth) included. */
  byName: Map<string, FieldPlan>;
  /** Encoding order: direct fields and inline messages, by field number. */
  order: (
    { kind: "field"; field: FieldPlan } | { kind: "inline"; num: number; plan: MessagePlan }
  )[];
}

const cache = new WeakMap<SchemaRegistry, Map<string, MessagePlan>>();

/** The plan of a message type; throws if the type is not in the registry. */
export function messagePlan(registry: SchemaRegistry, typeName: string): MessagePlan {
  let plans = cache.get(registry);
  if (plans === undefined) {
    plans = new Map();
    cache.set(registry, plans);
  }
  const cached = plans.get(typeName);
  if (cached !== undefined) return cached;
  const plan = buildPlan(registry, typeName);
  plans.set(typeName, plan);
  return plan;
}

function emptyPlan(typeName: string): MessagePlan {
  return { typeName, byNumber: new Map(), inline: new Map(), byName: new Map(), order: [] };
}

function buildPlan(registry: SchemaRegistry, typeName: string): MessagePlan {
  const spec = registry.type(typeName);
  if (spec === undefined)
    throw new Error(`Cannot build a protobuf plan: type ${typeName} is not registered`);
  const plan = emptyPlan(typeName);
  for (const name of Object.keys(spec.fields)) {
    const { spec: fieldSpec, type } = registry.field(typeName, name)!;
    const [num, , opts] = fieldSpec;
    const field: FieldPlan = {
      name,
      num,
      type,
      keepZero: opts?.pointer === true || opts?.required === true,
      wrapped: opts?.wrapped === true,
    };
    if (opts?.union !== undefined) {
      const pkg = typeName.slice(0, typeName.lastIndexOf("."));
      field.union = { kind: opts.union, schemaType: `${pkg}.JSONSchemaProps` };
    }
    // Walk down the embedded structs; every level knows the field by name
    // (the encoder picks each level's JSON keys), the innermost by number.
    let at = plan;
    at.byName.set(name, field);
    for (const via of inlinePath(opts?.inlineIn)) {
      let sub = at.inline.get(via);
      if (sub === undefined) {
        sub = emptyPlan(`${at.typeName}(inline ${via})`);
        at.inline.set(via, sub);
      }
      at = sub;
      at.byName.set(name, field);
    }
    at.byNumber.set(num, field);
  }
  order(plan);
  return plan;
}

/** Fills `order` of a plan and its inline plans: direct fields and inline messages by number. */
function order(plan: MessagePlan): void {
  plan.order = [];
  for (const field of plan.byNumber.values()) plan.order.push({ kind: "field", field });
  for (const [num, sub] of plan.inline) {
    order(sub);
    plan.order.push({ kind: "inline", num, plan: sub });
  }
  plan.order.sort(
    (a, b) =>
      (a.kind === "field" ? a.field.num : a.num) - (b.kind === "field" ? b.field.num : b.num),
  );
}
