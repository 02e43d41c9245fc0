/**
 * How server-side apply names list items: associative lists by their key
 * fields (`k:`), sets by value (`v:`), anything else by index (`i:`).
 */
import { isJsonObject } from "./patch-errors.ts";
import { indexElement, keyElement, pathElementString, valueElement } from "./field-set.ts";
import type { FieldPatchInfo, ListSemantics } from "./patch-schema.ts";
import { listSemantics } from "./patch-schema.ts";

/**
 * Defaults upstream applies to list-map key fields before keying items
 * (ports are keyed by containerPort and protocol, protocol defaulting to TCP).
 */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: "TCP" };

/** The path element of one item, or an error message when an associative item lacks a key field. */
export function listItemElement(
  item: unknown,
  index: number,
  semantics: ListSemantics,
): { pe: string } | { error: string } {
  if (semantics.kind === "set") {
    if (isJsonObject(item) || Array.isArray(item)) return { pe: indexElement(index) };
    return { pe: valueElement(item) };
  }
  if (semantics.kind === "map") {
    if (!isJsonObject(item))
      return { error: `expected an object in associative list, got ${JSON.stringify(item)}` };
    const key: Record<string, unknown> = {};
    for (const k of semantics.keys) {
      if (item[k] !== undefined && item[k] !== null) key[k] = item[k];
      else if (Object.hasOwn(KEY_DEFAULTS, k)) key[k] = KEY_DEFAULTS[k];
      else {
        return {
          error: `associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`,
        };
      }
    }
    return { pe: keyElement(key) };
  }
  return { pe: indexElement(index) };
}

export interface IndexedList {
  /** Distinct path elements in list order (later duplicates dropped). */
  order: string[];
  items: Map<string, unknown>;
}

/**
 * Indexes a granular (set or map) list by item path element. Items that
 * cannot be keyed fall back to their index, and later duplicates are
 * dropped, when `strict` is false; when it is true both throw an Error
 * carrying upstream's message.
 */
export function indexList(
  list: unknown[],
  info: FieldPatchInfo | undefined,
  strict: boolean,
): IndexedList {
  const semantics = listSemantics(info);
  const order: string[] = [];
  const items = new Map<string, unknown>();
  list.forEach((item, i) => {
    const r = listItemElement(item, i, semantics);
    let pe: string;
    if ("error" in r) {
      if (strict) throw new Error(`element ${i}: ${r.error}`);
      pe = indexElement(i);
    } else {
      pe = r.pe;
    }
    if (items.has(pe)) {
      if (strict && semantics.kind === "map")
        throw new Error(`duplicate entries for key ${pathElementString(pe)}`);
      return;
    }
    items.set(pe, item);
    order.push(pe);
  });
  return { order, items };
}

/** Whether a list field is tracked item by item (set or associative list). */
export function isGranularList(info: FieldPatchInfo | undefined): boolean {
  return listSemantics(info).kind !== "atomic";
}
