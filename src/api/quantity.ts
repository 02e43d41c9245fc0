/**
 * Kubernetes resource quantities ("500m", "1.5Gi", "2e3"), with upstream's
 * parsing rules, canonical printing and arithmetic.
 *
 * A Quantity is held exactly as an integer number of nano-units: upstream
 * rounds every parsed value up (away from zero) to 1e-9, so nothing finer is
 * ever observable. Quantities are immutable.
 */

/** How a quantity prints: with decimal SI suffixes, binary suffixes, or an exponent. */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

/** Upstream's error texts (k8s.io/apimachinery resource.ErrFormatWrong etc.). */
export const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_MESSAGE = "unable to parse quantity's suffix";
const NUMERIC_MESSAGE = "unable to parse numeric value";

/** Why a quantity string was rejected; `message` is upstream's text. */
export class QuantityParseError extends Error {
  readonly code: "FormatWrong" | "Suffix" | "Numeric";
  constructor(code: QuantityParseError["code"], message: string) {
    super(message);
    this.name = "QuantityParseError";
    this.code = code;
  }
}

export type QuantityResult =
  { ok: true; quantity: Quantity } | { ok: false; error: QuantityParseError };

const NANO = 1_000_000_000n;

const DECIMAL_SUFFIXES: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY_SUFFIXES: Record<string, number> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([k, v]) => [v, k]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([k, v]) => [v, k]));

/** An exact resource quantity. Build one with parseQuantity or Quantity.fromNanos. */
export class Quantity {
  /** The value in units of 1e-9. */
  readonly nanos: bigint;
  readonly format: QuantityFormat;
  /** The string as written, kept only when upstream keeps it (already canonical forms). */
  private readonly original?: string;

  private constructor(nanos: bigint, format: QuantityFormat, original?: string) {
    this.nanos = nanos;
    this.format = format;
    this.original = original;
  }

  static fromNanos(nanos: bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(nanos, format);
  }

  /** `value` whole units (upstream resource.NewQuantity). */
  static fromNumber(value: number | bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(value) * NANO, format);
  }

  /** `milli` thousandths (upstream resource.NewMilliQuantity). */
  static fromMilli(milli: number | bigint, format: QuantityFormat = "DecimalSI"): Quantity {
    return new Quantity(BigInt(milli) * 1_000_000n, format);
  }

  /** @internal used by parseQuantity to keep an already-canonical spelling. */
  static withOriginal(nanos: bigint, format: QuantityFormat, original?: string): Quantity {
    return new Quantity(nanos, format, original);
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Sum; keeps this format unless this is zero (then takes other's), as upstream. */
  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos, this.isZero() ? other.format : this.format);
  }

  /** Difference; format rule as for add. */
  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.nanos, this.format);
  }

  /** Whole units, rounded away from zero (upstream Value()). */
  value(): bigint {
    return divideAwayFromZero(this.nanos, NANO);
  }

  /** Thousandths, rounded away from zero (upstream MilliValue()). */
  milliValue(): bigint {
    return divideAwayFromZero(this.nanos, 1_000_000n);
  }

  /** The value as a float; may lose precision. */
  toNumber(): number {
    const whole = this.nanos / NANO;
    const frac = this.nanos % NANO;
    return Number(whole) + Number(frac) / 1e9;
  }

  /** Canonical form, e.g. "1536Mi", "100m", "1500", "2e3". */
  toString(): string {
    return this.original ?? canonical(this.nanos, this.format);
  }

  toJSON(): string {
    return this.toString();
  }
}

function divideAwayFromZero(n: bigint, d: bigint): bigint {
  const q = n / d;
  if (q * d === n) return q;
  return n > 0n ? q + 1n : q - 1n;
}

interface Split {
  positive: boolean;
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const SUFFIX_CHARS = "eEinumkKMGTP";

/** Splits "+012.50Mi" into sign, digits before and after the point, and suffix. */
function splitQuantity(str: string): Split | undefined {
  let pos = 0;
  let positive = true;
  if (str[0] === "-" || str[0] === "+") {
    positive = str[0] === "+";
    pos++;
  }
  while (str[pos] === "0") pos++;
  let start = pos;
  while (isDigit(str[pos])) pos++;
  const num = str.slice(start, pos) || "0";
  let denom = "";
  if (str[pos] === ".") {
    pos++;
    start = pos;
    while (isDigit(str[pos])) pos++;
    denom = str.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < str.length && SUFFIX_CHARS.includes(str[pos]!)) pos++;
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (isDigit(str[pos])) pos++;
  if (pos < str.length) return undefined;
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function interpretSuffix(suffix: string): Suffix | undefined {
  if (suffix in DECIMAL_SUFFIXES) {
    return { base: 10, exponent: DECIMAL_SUFFIXES[suffix]!, format: "DecimalSI" };
  }
  if (suffix in BINARY_SUFFIXES) {
    return { base: 2, exponent: BINARY_SUFFIXES[suffix]!, format: "BinarySI" };
  }
  if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E")) {
    const rest = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(rest)) return undefined;
    const exponent = Number(rest);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 2 ** 31) return undefined;
    return { base: 10, exponent, format: "DecimalExponent" };
  }
  return undefined;
}

/** Parses a quantity string exactly as upstream's resource.ParseQuantity. */
export function parseQuantity(str: string): QuantityResult {
  const fail = (code: QuantityParseError["code"], message: string): QuantityResult => ({
    ok: false,
    error: new QuantityParseError(code, message),
  });
  if (str.length === 0) return fail("FormatWrong", QUANTITY_FORMAT_MESSAGE);
  if (str === "0") return { ok: true, quantity: Quantity.withOriginal(0n, "DecimalSI", "0") };
  const split = splitQuantity(str);
  if (!split) return fail("FormatWrong", QUANTITY_FORMAT_MESSAGE);
  const suffix = interpretSuffix(split.suffix);
  if (!suffix) return fail("Suffix", SUFFIX_MESSAGE);
  const { positive, num, denom } = split;
  const digits = BigInt(num + denom);
  if (suffix.base === 10 && Math.abs(suffix.exponent) > 1000) {
    return fail("Numeric", NUMERIC_MESSAGE);
  }
  // value = digits * 10^-len(denom) * base^exponent, in nanos rounded away from zero
  let numerator = digits;
  let denominator = 10n ** BigInt(denom.length);
  if (suffix.base === 2) numerator <<= BigInt(suffix.exponent);
  else if (suffix.exponent >= 0) numerator *= 10n ** BigInt(suffix.exponent);
  else denominator *= 10n ** BigInt(-suffix.exponent);
  let nanos = divideAwayFromZero(numerator * NANO, denominator);
  if (!positive) nanos = -nanos;
  return {
    ok: true,
    quantity: Quantity.withOriginal(nanos, suffix.format, keptSpelling(str, split, suffix)),
  };
}

/**
 * Upstream keeps the caller's spelling when its int64 fast path saw an
 * already-canonical form (so "+1" stays "+1" and "1E3" stays "1E3").
 */
function keptSpelling(str: string, split: Split, suffix: Suffix): string | undefined {
  const shifted = split.num + split.denom;
  if (suffix.format === "BinarySI") {
    if (split.denom.length > 0) return undefined;
    const precision = 15 - split.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
    if (precision < 0) return undefined;
    const value = BigInt(shifted);
    if (value << BigInt(suffix.exponent) > 2n ** 63n - 1n) return undefined;
    return (value & 7n) !== 0n ? str : undefined;
  }
  if (18 - shifted.length < 0) return undefined;
  const scale = suffix.exponent - split.denom.length;
  if (scale < -9) return undefined;
  if (scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0") return str;
  return undefined;
}

/** Like parseQuantity but throws QuantityParseError; for literals in code and tests. */
export function mustParseQuantity(str: string): Quantity {
  const result = parseQuantity(str);
  if (!result.ok) throw result.error;
  return result.quantity;
}

/**
 * Reads a quantity from decoded JSON: a string, or a bare JSON number
 * (upstream accepts both). Null/undefined read as zero.
 */
export function quantityFromJSON(value: unknown): QuantityResult {
  if (value === null || value === undefined) return { ok: true, quantity: Quantity.fromNanos(0n) };
  if (typeof value === "number" && Number.isFinite(value)) return parseQuantity(String(value));
  if (typeof value === "string") return parseQuantity(value.trim());
  return { ok: false, error: new QuantityParseError("FormatWrong", QUANTITY_FORMAT_MESSAGE) };
}

function canonical(nanos: bigint, format: QuantityFormat): string {
  if (nanos === 0n) return "0";
  if (format === "BinarySI") {
    const small = nanos > -1024n * NANO && nanos < 1024n * NANO;
    if (!small && nanos % NANO === 0n) return canonicalBinary(nanos / NANO);
    format = "DecimalSI";
  }
  let mantissa = nanos;
  let exponent = -9;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  while (exponent % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (format === "DecimalExponent")
    return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  if (exponent > 18) {
    mantissa *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  return `${mantissa}${DECIMAL_BY_EXPONENT.get(exponent) ?? ""}`;
}

function canonicalBinary(units: bigint): string {
  let amount = units;
  let exponent = 0;
  const negative = amount < 0n;
  if (negative) amount = -amount;
  while (exponent < 60 && amount >= 1024n && amount % 1024n === 0n) {
    amount /= 1024n;
    exponent += 10;
  }
  return `${negative ? "-" : ""}${amount}${BINARY_BY_EXPONENT.get(exponent) ?? ""}`;
}
