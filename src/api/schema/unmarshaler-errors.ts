/**
 * Decode errors of the API types that bring their own JSON unmarshalers
 * (resource.Quantity, intstr.IntOrString, metav1.Time/MicroTime/Duration) and
 * of []byte fields (base64), worded as upstream's decoder reports them.
 *
 * These errors come from inside the type's UnmarshalJSON (or from the
 * standard library's base64), not from the struct walk, so unlike a plain
 * type mismatch they carry no "Go struct field X.path" context:
 *
 *   quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'
 *   json: cannot unmarshal bool into Go value of type int32        (IntOrString)
 *   json: cannot unmarshal number into Go value of type string     (Time, Duration)
 *   time: invalid duration "abc"
 *   illegal base64 data at input byte 4
 */
import { parseQuantity } from "../quantity.ts";

function jsonKind(value: unknown): string {
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "number";
  if (Array.isArray(value)) return "array";
  return "object";
}

/**
 * Quantities in the everyday form (an integer of at most 15 digits with an
 * optional SI or binary suffix) always parse: no need to run the parser.
 */
const PLAIN_QUANTITY = /^[0-9]{1,15}(?:[numkMGTPE]|[KMGTPE]i)?$/;

/** resource.Quantity.UnmarshalJSON: any JSON text is parsed as a quantity string. */
export function quantityError(value: unknown): string | undefined {
  if (typeof value === "string" && PLAIN_QUANTITY.test(value)) return undefined;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const r = parseQuantity(text.trim());
  return r.ok ? undefined : r.error.message;
}

/** intstr.IntOrString.UnmarshalJSON: a string, else decoded as an int32. */
function intOrStringError(value: unknown): string | undefined {
  if (typeof value === "string") return undefined;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= -2147483648 && value <= 2147483647) return undefined;
    return `json: cannot unmarshal number ${value} into Go value of type int32`;
  }
  return `json: cannot unmarshal ${jsonKind(value)} into Go value of type int32`;
}

const DURATION_UNITS = new Set(["ns", "us", "µs", "μs", "ms", "s", "m", "h"]);

/** Go's time.ParseDuration error for `s`, or undefined when it parses. */
export function goDurationError(s: string): string | undefined {
  const invalid = `time: invalid duration ${JSON.stringify(s)}`;
  let rest = s;
  if (rest[0] === "-" || rest[0] === "+") rest = rest.slice(1);
  if (rest === "0") return undefined;
  if (rest === "") return invalid;
  while (rest !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest)!;
    if (m[0] === "" || (m[1] === "" && (m[2] ?? "") === "")) return invalid;
    rest = rest.slice(m[0].length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    if (unit === "") return `time: missing unit in duration ${JSON.stringify(s)}`;
    if (!DURATION_UNITS.has(unit)) {
      return `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`;
    }
    rest = rest.slice(unit.length);
  }
  return undefined;
}

/** metav1.Time/MicroTime/Duration: decoded as a JSON string first. */
function stringFirstError(value: unknown, name: string): string | undefined {
  if (typeof value !== "string") {
    return `json: cannot unmarshal ${jsonKind(value)} into Go value of type string`;
  }
  return name === "Duration" ? goDurationError(value) : undefined;
}

const BASE64 = /[A-Za-z0-9+/]/;

/**
 * Offset Go's base64.StdEncoding.Decode reports for `s` (a CorruptInputError),
 * or -1 when `s` is valid padded base64. Line breaks are skipped, as Go does.
 */
export function base64ErrorOffset(s: string): number {
  const newline = (c: string | undefined) => c === "\n" || c === "\r";
  let si = 0;
  while (si < s.length) {
    let j = 0;
    while (j < 4) {
      if (si === s.length) return j === 0 ? -1 : si - j;
      const c = s[si++]!;
      if (BASE64.test(c)) {
        j++;
        continue;
      }
      if (newline(c)) continue;
      if (c !== "=" || j < 2) return si - 1;
      if (j === 2) {
        while (si < s.length && newline(s[si])) si++;
        if (si === s.length) return s.length;
        if (s[si] !== "=") return si - 1;
        si++;
      }
      while (si < s.length && newline(s[si])) si++;
      return si < s.length ? si : -1;
    }
  }
  return -1;
}

/**
 * The error upstream's decoder reports for `value` landing in a field of the
 * special type `name` (or "bytes"), or undefined when it decodes. Null always
 * decodes; RawExtension and JSON take any value.
 */
export function unmarshalerError(value: unknown, name: string): string | undefined {
  if (value === null) return undefined;
  switch (name) {
    case "Quantity":
      return quantityError(value);
    case "IntOrString":
      return intOrStringError(value);
    case "Time":
    case "MicroTime":
    case "Duration":
      return stringFirstError(value, name);
    case "bytes": {
      if (typeof value !== "string") return undefined; // a plain type mismatch
      const at = base64ErrorOffset(value);
      return at < 0 ? undefined : `illegal base64 data at input byte ${at}`;
    }
    default:
      return undefined;
  }
}
