/**
 * Label selectors: the string form used by `?labelSelector=` and kubectl -l
 * (`a=b,c!=d,e in (x,y),f notin (z),g,!h`), and metav1.LabelSelector objects
 * (matchLabels / matchExpressions). Parsing, validation messages, matching
 * and printing follow upstream apimachinery/pkg/labels (v1.32).
 */
import { invalidFieldText, labelKeyErrors, labelValueErrors } from "./label-names.ts";
import { lexLabelSelector, type Token } from "./label-selector-lexer.ts";

/** Upstream selection.Operator spellings. */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

/** One ANDed term of a selector. Values are as given; printing sorts them. */
export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

/** Why a selector was rejected; `message` is upstream's (the API server sends it as 400 BadRequest). */
export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LabelSelectorError";
  }
}

export type LabelSelectorResult =
  { ok: true; selector: LabelSelector } | { ok: false; error: LabelSelectorError };

/** An immutable, parsed label selector. */
export class LabelSelector {
  /** Requirements sorted by key (stable), as upstream keeps them. */
  readonly requirements: readonly Requirement[];
  /** True for the selector that matches nothing (a nil metav1.LabelSelector). */
  readonly matchesNothing: boolean;

  private constructor(requirements: Requirement[], matchesNothing: boolean) {
    this.requirements = [...requirements].sort((a, b) =>
      a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
    );
    this.matchesNothing = matchesNothing;
  }

  static everything(): LabelSelector {
    return new LabelSelector([], false);
  }

  static nothing(): LabelSelector {
    return new LabelSelector([], true);
  }

  /** @internal built by the parsers below after validation. */
  static of(requirements: Requirement[]): LabelSelector {
    return new LabelSelector(requirements, false);
  }

  /** True when the selector does not restrict anything. */
  isEmpty(): boolean {
    return !this.matchesNothing && this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    if (this.matchesNothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels ?? {}));
  }

  /** The value a selector demands for `key` (=, == or single-value in), if any. */
  requiresExactMatch(key: string): string | undefined {
    const r = this.requirements.find((x) => x.key === key);
    if (!r) return undefined;
    const exact = r.operator === "=" || r.operator === "==" || r.operator === "in";
    return exact && r.values.length === 1 ? r.values[0] : undefined;
  }

  /** Canonical string: requirements sorted by key, set values sorted, joined by ",". */
  toString(): string {
    return this.requirements.map(requirementString).join(",");
  }
}

function requirementMatches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case "in":
    case "=":
    case "==":
      return value !== undefined && r.values.includes(value);
    case "notin":
    case "!=":
      return value === undefined || !r.values.includes(value);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (value === undefined || r.values.length !== 1) return false;
      const have = parseInt64(value);
      const want = parseInt64(r.values[0]!);
      if (have === undefined || want === undefined) return false;
      return r.operator === "gt" ? have > want : have < want;
    }
  }
}

function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

function requirementString(r: Requirement): string {
  const values = r.values.length === 1 ? r.values[0]! : [...r.values].sort().join(",");
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
      return `${r.key} in (${values})`;
    case "notin":
      return `${r.key} notin (${values})`;
    case "gt":
      return `${r.key}>${values}`;
    case "lt":
      return `${r.key}<${values}`;
    default:
      return `${r.key}${r.operator}${values}`;
  }
}

/**
 * Upstream labels.NewRequirement: validates and returns the requirement or
 * the aggregated error text. `path` is the field path prefix ("" for none).
 */
export function newRequirement(
  key: string,
  operator: LabelOperator,
  values: string[],
  path = "",
): Requirement | LabelSelectorError {
  const errs: string[] = [];
  const child = (name: string) => (path ? `${path}.${name}` : name);
  const keyErrs = labelKeyErrors(key);
  if (keyErrs.length) errs.push(invalidFieldText(child("key"), key, keyErrs.join("; ")));
  const valuesPath = child("values");
  switch (operator) {
    case "in":
    case "notin":
      if (values.length === 0) {
        errs.push(
          invalidFieldText(
            valuesPath,
            values,
            "for 'in', 'notin' operators, values set can't be empty",
          ),
        );
      }
      break;
    case "=":
    case "==":
    case "!=":
      if (values.length !== 1) {
        errs.push(
          invalidFieldText(
            valuesPath,
            values,
            "exact-match compatibility requires one single value",
          ),
        );
      }
      break;
    case "exists":
    case "!":
      if (values.length !== 0) {
        errs.push(
          invalidFieldText(
            valuesPath,
            values,
            "values set must be empty for exists and does not exist",
          ),
        );
      }
      break;
    case "gt":
    case "lt":
      if (values.length !== 1) {
        errs.push(
          invalidFieldText(
            valuesPath,
            values,
            "for 'Gt', 'Lt' operators, exactly one value is required",
          ),
        );
      }
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(
            invalidFieldText(
              `${valuesPath}[${i}]`,
              v,
              "for 'Gt', 'Lt' operators, the value must be an integer",
            ),
          );
        }
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length) {
      errs.push(invalidFieldText(`${valuesPath}[${i}][${key}]`, v, valueErrs.join("; ")));
    }
  });
  if (errs.length === 0) return { key, operator, values: [...values] };
  return new LabelSelectorError(errs.length === 1 ? errs[0]! : `[${errs.join(", ")}]`);
}

/** A selector matching exactly the given labels (upstream SelectorFromSet, unvalidated). */
export function selectorFromSet(set: Labels): LabelSelector {
  return LabelSelector.of(
    Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: "=", values: [value] })),
  );
}

/** The JSON shape of metav1.LabelSelector. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

const OBJECT_OPERATORS: Record<string, LabelOperator> = {
  In: "in",
  NotIn: "notin",
  Exists: "exists",
  DoesNotExist: "!",
};

/**
 * Upstream metav1.LabelSelectorAsSelector: a missing selector matches
 * nothing, an empty one everything.
 */
export function labelSelectorFromObject(
  obj: LabelSelectorObject | null | undefined,
): LabelSelectorResult {
  if (obj === null || obj === undefined) return { ok: true, selector: LabelSelector.nothing() };
  const matchLabels = obj.matchLabels ?? {};
  const expressions = obj.matchExpressions ?? [];
  if (Object.keys(matchLabels).length + expressions.length === 0) {
    return { ok: true, selector: LabelSelector.everything() };
  }
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(matchLabels)) {
    const r = newRequirement(key, "=", [value]);
    if (r instanceof LabelSelectorError) return { ok: false, error: r };
    requirements.push(r);
  }
  for (const expr of expressions) {
    const op = OBJECT_OPERATORS[expr.operator];
    if (!op) {
      return {
        ok: false,
        error: new LabelSelectorError(`"${expr.operator}" is not a valid label selector operator`),
      };
    }
    const r = newRequirement(expr.key, op, [...(expr.values ?? [])]);
    if (r instanceof LabelSelectorError) return { ok: false, error: r };
    requirements.push(r);
  }
  return { ok: true, selector: LabelSelector.of(requirements) };
}

/**
 * Upstream metav1.FormatLabelSelector: the selector string, "<none>" when it
 * prints empty, "<error>" when it is invalid.
 */
export function formatLabelSelector(obj: LabelSelectorObject | null | undefined): string {
  const r = labelSelectorFromObject(obj);
  if (!r.ok) return "<error>";
  return r.selector.toString() || "<none>";
}

/**
 * Parses the string form (upstream labels.Parse). Keys and values are
 * validated; errors carry upstream's text, e.g.
 * `unable to parse requirement: <nil>: Invalid value: "a:b": name part must ...`.
 */
export function parseLabelSelector(input: string): LabelSelectorResult {
  const parser = new Parser(lexLabelSelector(input));
  const result = parser.parse();
  if (typeof result === "string") return { ok: false, error: new LabelSelectorError(result) };
  return { ok: true, selector: LabelSelector.of(result) };
}

type Context = "keyAndOperator" | "values";

/** Recursive-descent parser over the token list; errors are returned as strings. */
class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private lookahead(context: Context): Token {
    return asContext(this.tokens[this.position]!, context);
  }

  private consume(context: Context): Token {
    return asContext(this.tokens[this.position++]!, context);
  }

  parse(): Requirement[] | string {
    const requirements: Requirement[] = [];
    for (;;) {
      const t = this.lookahead("values");
      if (t.kind === "end") return requirements;
      if (t.kind !== "identifier" && t.kind !== "doesNotExist") {
        return `found '${t.literal}', expected: !, identifier, or 'end of string'`;
      }
      const r = this.parseRequirement();
      if (typeof r === "string") return `unable to parse requirement: ${r}`;
      requirements.push(r);
      const next = this.consume("values");
      if (next.kind === "end") return requirements;
      if (next.kind !== "comma") return `found '${next.literal}', expected: ',' or 'end of string'`;
      const after = this.lookahead("values");
      if (after.kind !== "identifier" && after.kind !== "doesNotExist") {
        return `found '${after.literal}', expected: identifier after ','`;
      }
    }
  }

  private parseRequirement(): Requirement | string {
    let t = this.consume("values");
    let operator: LabelOperator | undefined;
    if (t.kind === "doesNotExist") {
      operator = "!";
      t = this.consume("values");
    }
    if (t.kind !== "identifier") return `found '${t.literal}', expected: identifier`;
    const key = t.literal;
    const keyErrs = labelKeyErrors(key);
    if (keyErrs.length) return invalidFieldText(undefined, key, keyErrs.join("; "));
    const next = this.lookahead("values").kind;
    if (next === "end" || next === "comma") operator ??= "exists";
    if (operator === "exists" || operator === "!") return unwrap(newRequirement(key, operator, []));
    const op = this.consume("keyAndOperator");
    const binary = BINARY_OPERATORS[op.kind];
    if (!binary) {
      return `found '${op.literal}', expected: in, notin, =, ==, !=, gt, lt`;
    }
    const values =
      binary === "in" || binary === "notin" ? this.parseValues() : this.parseExactValue();
    if (typeof values === "string") return values;
    return unwrap(newRequirement(key, binary, [...new Set(values)].sort()));
  }

  private parseValues(): string[] | string {
    const open = this.consume("values");
    if (open.kind !== "openPar") return `found '${open.literal}' expected: '('`;
    const t = this.lookahead("values");
    if (t.kind === "closePar") {
      this.consume("values");
      return [""];
    }
    if (t.kind !== "identifier" && t.kind !== "comma") {
      return `found '${t.literal}', expected: ',', ')' or identifier`;
    }
    const values = this.parseIdentifiersList();
    if (typeof values === "string") return values;
    if (this.consume("values").kind !== "closePar") return `found '${t.literal}', expected: ')'`;
    return values;
  }

  /** A comma-separated list in which empty entries mean the empty value. */
  private parseIdentifiersList(): string[] | string {
    const values: string[] = [];
    for (;;) {
      const t = this.consume("values");
      if (t.kind === "identifier") {
        values.push(t.literal);
        const next = this.lookahead("values");
        if (next.kind === "comma") continue;
        if (next.kind === "closePar") return values;
        return `found '${next.literal}', expected: ',' or ')'`;
      }
      if (t.kind !== "comma") return `found '${t.literal}', expected: ',', or identifier`;
      if (values.length === 0) values.push("");
      const next = this.lookahead("values").kind;
      if (next === "closePar") {
        values.push("");
        return values;
      }
      if (next === "comma") values.push("");
    }
  }

  private parseExactValue(): string[] | string {
    const next = this.lookahead("values").kind;
    if (next === "end" || next === "comma") return [""];
    const t = this.consume("values");
    if (t.kind === "identifier") return [t.literal];
    return `found '${t.literal}', expected: identifier`;
  }
}

const BINARY_OPERATORS: Partial<Record<Token["kind"], LabelOperator>> = {
  in: "in",
  equals: "=",
  doubleEquals: "==",
  greaterThan: "gt",
  lessThan: "lt",
  notIn: "notin",
  notEquals: "!=",
};

/** In value position the keywords `in` and `notin` are plain identifiers. */
function asContext(t: Token, context: Context): Token {
  if (context === "values" && (t.kind === "in" || t.kind === "notIn")) {
    return { kind: "identifier", literal: t.literal };
  }
  return t;
}

function unwrap(r: Requirement | LabelSelectorError): Requirement | string {
  return r instanceof LabelSelectorError ? r.message : r;
}
