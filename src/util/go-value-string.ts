/**
 * Go's `fmt.Sprintf("%+v", v)` of a value decoded from JSON into
 * interface{} (maps, slices, strings, bools, int64, float64, nil), as upstream
 * quotes a patch in some error messages:
 *
 *   {"spec":{"replicas":"a","x":[1,null]}}  →  map[spec:map[replicas:a x:[1 <nil>]]]
 *
 * Map keys are printed sorted (fmt sorts them); integers are int64, other
 * numbers float64 in %v's shortest form (exponent when < 1e-4 or ≥ 1e6).
 */
export function goValueString(value: unknown): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") return goNumber(value);
  if (Array.isArray(value)) return `[${value.map(goValueString).join(" ")}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((k) => `${k}:${goValueString((value as Record<string, unknown>)[k])}`);
  return `map[${entries.join(" ")}]`;
}

/** %v of a JSON number: int64 when integral and in range, else float64 ('g', shortest: exponent below -4 or from 6). */
function goNumber(n: number): string {
  if (Number.isSafeInteger(n)) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
  const [mantissa, exp] = n.toExponential().split("e");
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    const sign = e < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return String(n);
}
