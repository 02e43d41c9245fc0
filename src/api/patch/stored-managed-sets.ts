/**
 * Managed sets of a stored object's entries, each decoded only when its set
 * is read, keeping its stored FieldsV1 to write back unchanged meanwhile.
 * A class, not object literals with a getter and a side table: the usual
 * update reads no set at all, and these are made for every write.
 */
import type { ManagedFieldsEntry } from "../types.ts";
import { FieldSet } from "./field-set.ts";
import { isJsonObject } from "./patch-errors.ts";
import type { ManagedSet } from "./managed-fields.ts";

export class StoredManagedSet implements ManagedSet {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  subresource?: string;
  readonly #fieldsV1: Record<string, unknown>;
  #decoded: FieldSet | undefined = undefined;
  /** The entry this one restamps: its set and encoding are that one's. */
  readonly #source: StoredManagedSet | undefined;

  constructor(
    who: Omit<ManagedSet, "set">,
    fieldsV1: Record<string, unknown>,
    source?: StoredManagedSet,
    time = who.time,
  ) {
    this.manager = who.manager;
    this.operation = who.operation;
    this.apiVersion = who.apiVersion;
    this.time = time;
    this.subresource = who.subresource;
    this.#fieldsV1 = fieldsV1;
    this.#source = source;
  }

  get set(): FieldSet {
    if (this.#source) return this.#source.set;
    return (this.#decoded ??= FieldSet.fromFieldsV1(this.#fieldsV1));
  }

  /** The stored FieldsV1, while the set has not been read (so cannot have been changed). */
  get stored(): Record<string, unknown> | undefined {
    if (this.#source) return this.#source.stored;
    return this.#decoded === undefined ? this.#fieldsV1 : undefined;
  }

  /** This entry as `who` at `time`, sharing its (still stored) set and encoding. */
  restamped(who: Omit<ManagedSet, "set">, time: string): StoredManagedSet {
    // No `{ ...who, time }`: that spread cost more than the rest of a restamp.
    return new StoredManagedSet(who, this.#fieldsV1, this, time);
  }
}

/** The FieldsV1 to write for `s` without re-encoding, when it is still its stored one. */
export function storedEncoding(s: ManagedSet): Record<string, unknown> | undefined {
  return s instanceof StoredManagedSet ? s.stored : undefined;
}

/**
 * Entries of a stored object as sets decoded only when read. Stored entries
 * were written by this server (malformed ones never reach storage), so they
 * are not validated here; a bad one throws when its set is read.
 */
export function lazyManagedSets(entries: readonly ManagedFieldsEntry[]): StoredManagedSet[] {
  return entries.map(
    (e) =>
      new StoredManagedSet(
        {
          manager: e.manager ?? "",
          operation: e.operation === "Apply" ? "Apply" : "Update",
          apiVersion: e.apiVersion,
          time: typeof e.time === "string" ? e.time : undefined,
          subresource: e.subresource || undefined,
        },
        (isJsonObject(e.fieldsV1) ? e.fieldsV1 : {}) as Record<string, unknown>,
      ),
  );
}
