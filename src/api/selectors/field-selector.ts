/**
 * Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Failed`),
 * parsed and matched as upstream apimachinery/pkg/fields (v1.32): terms are
 * comma-separated, operators `=`, `==`, `!=`, values may be empty and may
 * escape `\,` `\=` `\\`. Which field names are known is the caller's concern
 * (see unknownFieldSelectorMessage).
 */
import { goQuote } from "./label-names.ts";

export type FieldOperator = "=" | "!=";

export interface FieldRequirement {
  readonly field: string;
  /** `==` is stored as `=`; they mean the same. */
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Why a field selector was rejected; `message` is upstream's (sent as 400 BadRequest). */
export class FieldSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FieldSelectorError";
  }
}

export type FieldSelectorResult =
  { ok: true; selector: FieldSelector } | { ok: false; error: FieldSelectorError };

/** Reads the value of a field of an object; undefined reads as "". */
export type FieldGetter = (field: string) => string | undefined;

/** An immutable parsed field selector: the AND of its requirements. */
export class FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: FieldRequirement[]) {
    this.requirements = requirements;
  }

  static everything(): FieldSelector {
    return new FieldSelector([]);
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(get: FieldGetter): boolean {
    return this.requirements.every((r) => {
      const have = get(r.field) ?? "";
      return r.operator === "=" ? have === r.value : have !== r.value;
    });
  }

  /** The value demanded by an `=` term on `field`, if any (lets storage narrow a list). */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === "=")?.value;
  }

  /** The distinct field names the selector mentions, in order. */
  fields(): string[] {
    return [...new Set(this.requirements.map((r) => r.field))];
  }

  /** Upstream's String(): terms in parse order (sorted), values escaped. */
  toString(): string {
    return this.requirements
      .map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`)
      .join(",");
  }
}

/** Escapes `\`, `,` and `=` in a literal value (upstream fields.EscapeValue). */
export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Undoes escapeFieldValue; upstream's errors for bad sequences and bare `,` or `=`. */
export function unescapeFieldValue(value: string): string | FieldSelectorError {
  if (!/[\\,=]/.test(value)) return value;
  let out = "";
  let inSlash = false;
  for (const c of value) {
    if (inSlash) {
      if (c !== "\\" && c !== "," && c !== "=") {
        return new FieldSelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      out += c;
      inSlash = false;
    } else if (c === "\\") {
      inSlash = true;
    } else if (c === "," || c === "=") {
      // Go prints the rune with %v, i.e. as its code point number.
      return new FieldSelectorError(
        `invalid field selector: unescaped character in value: ${c.codePointAt(0)}`,
      );
    } else {
      out += c;
    }
  }
  if (inSlash) return new FieldSelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

/** Splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

/** The first operator occurrence splits a term; `!=` and `==` win over `=` at one position. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="]) {
      if (term.startsWith(op, i)) {
        return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
      }
    }
  }
  return undefined;
}

/** Parses a field selector string (upstream fields.ParseSelector). */
export function parseFieldSelector(selector: string): FieldSelectorResult {
  // Upstream sorts the raw terms (byte order) before building the selector.
  const parts = splitTerms(selector).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const term = splitTerm(part);
    if (!term) {
      return {
        ok: false,
        error: new FieldSelectorError(
          `invalid selector: '${selector}'; can't understand '${part}'`,
        ),
      };
    }
    const value = unescapeFieldValue(term.rhs);
    if (value instanceof FieldSelectorError) return { ok: false, error: value };
    requirements.push({ field: term.lhs, operator: term.op === "!=" ? "!=" : "=", value });
  }
  return { ok: true, selector: new FieldSelector(requirements) };
}

/**
 * Upstream's message for a field the resource does not support. Kinds with
 * their own field label conversion (pods, nodes, events, secrets, ...) say
 * "field label not supported: X"; all others use the generic text.
 */
export function unknownFieldSelectorMessage(
  field: string,
  opts: { customFields?: boolean } = {},
): string {
  if (opts.customFields) return `field label not supported: ${field}`;
  return `${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
}
