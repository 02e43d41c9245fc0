/**
 * Finds keys repeated within one JSON object, which JSON.parse silently
 * collapses (last wins) but upstream's strict decoder reports as
 * `duplicate field "<path>"`.
 *
 * The scan is one pass over char codes: keys are decoded only when escaped,
 * and a key's path is written only when it is reported (the path is kept
 * as a stack of keys and indexes).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Objects with more keys than this check duplicates with a Set. */
const LINEAR_KEYS = 16;

/** Thrown to abandon text that is not JSON (the decoder reports that error). */
class NotJson extends Error {}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Characters consumed after a number or literal: 0-9 . e E + - */
function isNumberTail(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

class Scanner {
  pos = 0;
  /** Offset of the next backslash at or after the last string's start (text length: none left). */
  backslash = -1;
  readonly found: string[] = [];
  /** Keys (strings) and list indexes (numbers) from the root to the current value. */
  readonly path: (string | number)[] = [];
  constructor(readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    let pos = this.pos;
    while (pos < t.length && isSpace(t.charCodeAt(pos))) pos++;
    this.pos = pos;
  }

  /** Reads a string token; returns its decoded value when `decode`. */
  string(decode: boolean): string {
    const t = this.text;
    const start = this.pos;
    if (t.charCodeAt(start) !== QUOTE) throw new NotJson();
    let end = t.indexOf('"', start + 1);
    if (end < 0) throw new NotJson();
    if (this.backslash < start) {
      const b = t.indexOf("\\", start);
      this.backslash = b < 0 ? t.length : b;
    }
    if (this.backslash > end) {
      this.pos = end + 1;
      return decode ? t.slice(start + 1, end) : "";
    }
    // Escapes: a backslash hides the next character, a quote included.
    let pos = start + 1;
    for (;;) {
      if (pos >= t.length) throw new NotJson();
      const c = t.charCodeAt(pos++);
      if (c === BACKSLASH) pos++;
      else if (c === QUOTE) break;
    }
    end = pos - 1;
    this.pos = pos;
    // An escaped string is decoded even when unused: bad escapes are not JSON.
    return JSON.parse(t.slice(start, end + 1)) as string;
  }

  value(): void {
    this.skipSpace();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) this.object();
    else if (c === 0x5b) this.array();
    else if (c === QUOTE) this.string(false);
    else {
      let pos = this.pos;
      if (c === 0x2d && isDigit(t.charCodeAt(pos + 1))) pos += 2;
      else if (isDigit(c)) pos++;
      else if (t.startsWith("true", pos) || t.startsWith("null", pos)) pos += 4;
      else if (t.startsWith("false", pos)) pos += 5;
      else throw new NotJson();
      while (pos < t.length && isNumberTail(t.charCodeAt(pos))) pos++;
      this.pos = pos;
    }
  }

  object(): void {
    const t = this.text;
    this.pos++; // {
    this.skipSpace();
    if (t.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return;
    }
    let keys: string[] | undefined;
    let set: Set<string> | undefined;
    let reported: Set<string> | undefined;
    for (;;) {
      this.skipSpace();
      const key = this.string(true);
      let seen: boolean;
      if (set) seen = set.has(key);
      else {
        seen = keys !== undefined && keys.includes(key);
        if (!seen) {
          (keys ??= []).push(key);
          if (keys.length > LINEAR_KEYS) set = new Set(keys);
        }
      }
      if (set) set.add(key);
      this.path.push(key);
      if (seen && !reported?.has(key)) {
        (reported ??= new Set()).add(key);
        this.found.push(this.pathString());
      }
      this.skipSpace();
      if (t.charCodeAt(this.pos++) !== 0x3a) throw new NotJson(); // :
      this.value();
      this.path.pop();
      this.skipSpace();
      const next = t.charCodeAt(this.pos++);
      if (next === 0x7d) return; // }
      if (next !== 0x2c) throw new NotJson(); // ,
    }
  }

  array(): void {
    const t = this.text;
    this.pos++; // [
    this.skipSpace();
    if (t.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.path.push(i);
      this.value();
      this.path.pop();
      this.skipSpace();
      const next = t.charCodeAt(this.pos++);
      if (next === 0x5d) return; // ]
      if (next !== 0x2c) throw new NotJson(); // ,
    }
  }

  /** The current path: keys joined by "." (none before the first), indexes as [i]. */
  pathString(): string {
    let out = "";
    for (const pe of this.path) {
      if (typeof pe === "number") out += `[${pe}]`;
      else out = out === "" ? pe : `${out}.${pe}`;
    }
    return out;
  }
}

/**
 * Paths of keys that occur more than once in the same object of `jsonText`
 * (each reported once, in document order), e.g. "spec.replicas" or
 * "spec.containers[0].name". Text that is not valid JSON yields [] (the
 * decoder reports that error instead); text after the first value is not read.
 *
 * `parsedKeys`, the keys of every object in JSON.parse(jsonText) (see
 * checkDecoding), lets most texts skip the scan: each key of the text ends
 * in an unescaped `"` and a colon (see keyColons), so the text holds at most
 * keyColons(text) keys, and at least parsedKeys (parsing keeps one of each
 * repeated key). When the two are equal, no key repeats.
 */
export function findDuplicateFields(jsonText: string, parsedKeys?: number): string[] {
  if (parsedKeys !== undefined && keyColons(jsonText) === parsedKeys) return [];
  const scanner = new Scanner(jsonText);
  try {
    scanner.value();
  } catch {
    return [];
  }
  return scanner.found;
}

/**
 * Colons preceded by an unescaped quote (JSON white space between): an upper
 * bound on the keys of a JSON text. In valid JSON such a quote closes a key
 * (only keys are followed by a colon) or opens a string that begins with a
 * colon. A quote after an odd run of backslashes sits inside a string, as in
 * the stored form of an associative list item's key, `"k:{\"uid\":\"u\"}"`.
 */
export function keyColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(":"); i >= 0; i = text.indexOf(":", i + 1)) {
    let j = i - 1;
    while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
    if (text.charCodeAt(j) !== QUOTE) continue;
    let k = j - 1;
    while (k >= 0 && text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - k) % 2 === 1) n++;
  }
  return n;
}
