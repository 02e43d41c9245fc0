/**
 * Test-only reference for duplicate-fields.ts: the straightforward scanner it
 * replaced (a path string per key and index, a Set per object, a regular
 * expression per scalar). The fast scanner must give the same answer on any text.
 */

class ReferenceScanner {
  pos = 0;
  readonly found: string[] = [];
  constructor(readonly text: string) {}

  fail(): never {
    throw new SyntaxError(`Cannot scan JSON at offset ${this.pos}`);
  }

  skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  /** Reads a string token and returns its decoded value. */
  string(): string {
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] !== '"') this.fail();
    this.pos++;
    let escaped = false;
    while (this.pos < t.length) {
      const c = t[this.pos++];
      if (c === "\\") {
        escaped = true;
        this.pos++;
      } else if (c === '"') {
        const raw = t.slice(start, this.pos);
        return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      }
    }
    return this.fail();
  }

  value(path: string): void {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "{") this.object(path);
    else if (c === "[") this.array(path);
    else if (c === '"') this.string();
    else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(
        this.text.slice(this.pos, this.pos + 64),
      );
      if (!m) this.fail();
      this.pos += m[0].length;
      // Long numbers exceed the 64-character window: consume the rest of the digits.
      while (/[0-9.eE+-]/.test(this.text[this.pos] ?? "")) this.pos++;
    }
  }

  object(path: string): void {
    this.pos++; // {
    const seen = new Set<string>();
    const reported = new Set<string>();
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      const key = this.string();
      const child = path === "" ? key : `${path}.${key}`;
      if (seen.has(key) && !reported.has(key)) {
        reported.add(key);
        this.found.push(child);
      }
      seen.add(key);
      this.skipSpace();
      if (this.text[this.pos++] !== ":") this.fail();
      this.value(child);
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === "}") return;
      if (next !== ",") this.fail();
    }
  }

  array(path: string): void {
    this.pos++; // [
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return;
    }
    for (let i = 0; ; i++) {
      this.value(`${path}[${i}]`);
      this.skipSpace();
      const next = this.text[this.pos++];
      if (next === "]") return;
      if (next !== ",") this.fail();
    }
  }
}

/** The reference answer: the scanner duplicate-fields.ts replaced. */
export function referenceDuplicateFields(jsonText: string): string[] {
  const scanner = new ReferenceScanner(jsonText);
  try {
    scanner.value("");
  } catch {
    return [];
  }
  return scanner.found;
}
