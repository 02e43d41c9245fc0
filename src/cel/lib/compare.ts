/** Ordering and equality of CEL values as the Kubernetes list library needs them. */
import { isCelList, isCelMap, isCelUint } from "@bufbuild/cel";
import type { CelValue } from "@bufbuild/cel";

interface TimeLike {
  message: { $typeName: string; seconds: bigint; nanos: number };
}

function isTimeLike(v: unknown): v is TimeLike {
  const m = (v as TimeLike | null)?.message;
  return typeof m === "object" && m !== null && typeof m.seconds === "bigint";
}

function numeric(v: CelValue): number | bigint | undefined {
  if (typeof v === "bigint" || typeof v === "number") return v;
  if (isCelUint(v)) return v.value;
  return undefined;
}

/** Compares two comparable values (numbers, strings, bools, bytes, timestamps, durations); throws otherwise. */
export function compareValues(a: CelValue, b: CelValue): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na < nb ? -1 : na > nb ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (isTimeLike(a) && isTimeLike(b) && a.message.$typeName === b.message.$typeName) {
    const d = a.message.seconds - b.message.seconds;
    if (d !== 0n) return d < 0n ? -1 : 1;
    return Math.sign(a.message.nanos - b.message.nanos);
  }
  throw new Error(`no such overload: comparison of incomparable values`);
}

/** CEL equality with numeric equivalence across int, uint and double. */
export function equalValues(a: CelValue, b: CelValue): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na == nb;
  if (a === b) return true;
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!equalValues(a.get(i)!, b.get(i)!)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !equalValues(v, w)) return false;
    }
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (isTimeLike(a) && isTimeLike(b)) {
    return a.message.$typeName === b.message.$typeName && compareValues(a, b) === 0;
  }
  return false;
}
