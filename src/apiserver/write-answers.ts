/**
 * What a write answers: the written object itself, settled at the new
 * revision, and its JSON made from the stored text, whenever it was stored
 * as it is (no conversion, no read-time adjustment); and what the writer
 * announces to the watch cache as the decoding of its event (decodingOf).
 * Saves parsing back and serializing again every write's own bytes.
 */
import type { KeyValue } from "../storage/backend.ts";
import type { KObject, ResourceDef } from "../api/types.ts";
import { copyAsJson } from "../util/json-copy.ts";
import {
  deepFreeze,
  storedForm,
  storedFormClean,
  storedMetadata,
  withResourceVersion,
  type StoredText,
} from "./stored-text.ts";
import { compactDecoded } from "./watch-cache-compact.ts";
import { finish, storedAsIs } from "./object-decode.ts";
import { apiVersionOf } from "./storage-keys.ts";

/**
 * Write answers that are their own decoding (see decodingOf) are
 * deep-frozen under the test runner (node --test sets NODE_TEST_CONTEXT)
 * or with K8TS_FREEZE_WRITE_ANSWERS=1: a mutation after the write, which
 * would change the watch cache's object, throws there instead.
 */
export const FREEZE_ANSWERS =
  process.env.NODE_TEST_CONTEXT !== undefined || process.env.K8TS_FREEZE_WRITE_ANSWERS === "1";

/** The stored text of objects encoded as they are, and the answers made from it. */
export class WriteAnswers {
  /** Objects encoded as they are, with their stored text (see storedText). */
  readonly #encodings = new WeakMap<KObject, StoredText>();
  /** Write answers' JSON, made from their stored text. */
  readonly #answers = new WeakMap<KObject, string>();
  /** Answers announced as their own decoding (see decodingOf); tracked only to freeze them in tests. */
  readonly #selfDecoded = new WeakSet<KObject>();
  /** Objects encoded through def.convertShared: their stored form (sharing their values) and its text. */
  readonly #converted = new WeakMap<KObject, { stored: KObject; text: string }>();

  /** Forgets what encoding obj left here (it was encoded, but is not being written). */
  forget(obj: KObject): void {
    this.#encodings.delete(obj);
    this.#converted.delete(obj);
  }

  /** Remembers the stored form (a convertShared view of obj) and text obj was encoded to. */
  encodedConverted(obj: KObject, stored: KObject, text: string): void {
    this.#converted.set(obj, { stored, text });
  }

  /**
   * What was just stored from `obj` when it was encoded through
   * def.convertShared, as a read would return it: the stored form converted
   * back, sharing obj's values, when the stored bytes are its text and it is
   * plain JSON (so it is what parsing those bytes gives). Undefined when only
   * a decode of kv can tell. Saves parsing a converted write's bytes back
   * (an events.k8s.io Event is stored as a core one).
   */
  asConverted(def: ResourceDef, obj: KObject, kv: KeyValue): KObject | undefined {
    const converted = this.#converted.get(obj);
    if (!converted) return undefined;
    this.#converted.delete(obj);
    const { stored, text } = converted;
    if (text !== kv.value || !def.convertShared || def.onRead) return undefined;
    const meta = storedMetadata(stored);
    if (!storedFormClean(stored, meta)) return undefined;
    const back = def.convertShared(storedForm(stored, meta), apiVersionOf(def));
    return finish(def, back, true, kv.modRevision);
  }

  /** Remembers the stored text obj was encoded to, or (undefined) that it has none. */
  encoded(obj: KObject, marked: StoredText | undefined): void {
    if (marked) this.#encodings.set(obj, marked);
    else this.#encodings.delete(obj);
  }

  /** The metadata copy made with obj's stored text, if it was encoded as it is. */
  storedMeta(obj: KObject): StoredText["meta"] | undefined {
    return this.#encodings.get(obj)?.meta;
  }

  /**
   * What was just stored from `obj`, as a read would return it: `obj` itself
   * with the new resourceVersion (last in metadata, where a decode puts it)
   * when it was stored unconverted and reads change nothing; undefined when
   * only a decode of kv can tell.
   */
  asStored(def: ResourceDef, obj: KObject, kv: KeyValue): KObject | undefined {
    if (!storedAsIs(def, obj)) return undefined;
    const marked = this.#encodings.get(obj);
    obj.kind ??= def.kind;
    const resourceVersion = String(kv.modRevision);
    if (marked?.text === kv.value) {
      this.#encodings.delete(obj);
      settle(obj, marked, kv.modRevision);
      this.#answers.set(obj, withResourceVersion(marked, kv.modRevision));
    } else {
      obj.metadata = { ...storedMetadata(obj), resourceVersion };
    }
    if (FREEZE_ANSWERS && this.#selfDecoded.has(obj)) freezeShared(obj);
    return obj;
  }

  /**
   * The JSON of a write's answer (from asStored), made from the stored text
   * instead of serializing the object again; undefined when not known. Asked
   * once (forgotten after): the answer must not have changed since it was
   * returned.
   */
  answerJson(obj: KObject): string | undefined {
    const json = this.#answers.get(obj);
    if (json !== undefined) this.#answers.delete(obj);
    return json;
  }

  /**
   * For `obj` about to be stored: what decode will return for its stored
   * bytes at a revision, without parsing them. Undefined when reads would
   * convert or adjust it. Call the result at most once; its object is the
   * caller's, shared with the write's answer.
   *
   * Write answers are immutable: once stored, the object a write answers
   * (create and update of ObjectStore, RestStore's) is never changed again
   * by anyone, so when its stored form is plain JSON (storedFormClean) the
   * answer itself, settled at the revision, is the decoding: no copy.
   * Tests freeze answers (FREEZE_ANSWERS), so a later mutation throws
   * there. Otherwise the decoding is a copy taken now, as JSON would give.
   * `known`: a clean decoding obj may share members with, whose members
   * need not be checked again (see jsonCleanBeside).
   */
  decodingOf(
    def: ResourceDef,
    obj: KObject,
    known?: KObject,
  ): { decoded: (revision: number) => KObject; json?: (revision: number) => string } | undefined {
    if (!storedAsIs(def, obj)) return undefined;
    const marked = this.#encodings.get(obj);
    if (marked && storedFormClean(obj, marked.meta, known)) {
      if (FREEZE_ANSWERS) this.#selfDecoded.add(obj);
      return {
        decoded: (revision) => {
          settle(obj, marked, revision);
          if (FREEZE_ANSWERS) freezeShared(obj);
          return obj;
        },
        json: (revision) => withResourceVersion(marked, revision),
      };
    }
    const stored = copyAsJson(storedForm(obj, marked?.meta));
    return {
      decoded: (revision) => finish(def, stored, false, revision),
      ...(marked && { json: (revision: number) => withResourceVersion(marked, revision) }),
    };
  }
}

/**
 * obj as a read of its stored bytes at revision returns it: the metadata
 * copy made with its stored text, resourceVersion last, becomes its
 * metadata. Idempotent (the write's answer and its watch event may settle
 * it in either order).
 */
function settle(obj: KObject, marked: StoredText, revision: number): KObject {
  if (obj.metadata !== marked.meta) {
    marked.meta.resourceVersion = String(revision);
    obj.metadata = marked.meta;
  }
  return obj;
}

/** Freezes a write's answer; compacted first as the watch cache would (it compacts in place). */
function freezeShared(obj: KObject): void {
  if (Object.isFrozen(obj)) return;
  compactDecoded(obj);
  deepFreeze(obj);
}
