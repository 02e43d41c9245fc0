/**
 * Hard eviction thresholds as the kubelet's --eviction-hard flag states
 * them ("memory.available<100Mi,nodefs.available<10%"), upstream's Linux
 * defaults, and the check of one observation against one threshold.
 */
import { quantityValue } from "../pod/qos.ts";

export type Signal =
  | "memory.available"
  | "nodefs.available"
  | "nodefs.inodesFree"
  | "imagefs.available"
  | "imagefs.inodesFree";

const signals = new Set<string>([
  "memory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
]);

export interface Threshold {
  signal: Signal;
  /** An absolute quantity as written (e.g. "100Mi"), or undefined for a percentage. */
  quantity?: string;
  /** The absolute value in bytes / inodes when `quantity` is set. */
  value?: number;
  /** The fraction of capacity (0..1) when given as a percentage. */
  percentage?: number;
}

/** A threshold cannot be parsed. */
export class ThresholdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ThresholdError";
  }
}

/** Upstream's default --eviction-hard on Linux. */
export const defaultEvictionHard =
  "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%";

/** Parses --eviction-hard ("" → none). */
export function parseThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z.]+)<(.+)$/.exec(part);
    if (!m) throw new ThresholdError(`Cannot parse eviction threshold ${part}: want signal<value`);
    if (!signals.has(m[1])) throw new ThresholdError(`unsupported eviction signal ${m[1]}`);
    const signal = m[1] as Signal;
    const v = m[2].trim();
    if (v.endsWith("%")) {
      const pct = Number(v.slice(0, -1));
      if (!(pct >= 0 && pct <= 100))
        throw new ThresholdError(`eviction percentage threshold ${signal} must be in [0, 100]`);
      out.push({ signal, percentage: pct / 100 });
      continue;
    }
    const value = quantityValue(v);
    if (!(value >= 0) || (value === 0 && !/^0+[A-Za-z]*$/.test(v)))
      throw new ThresholdError(`Cannot parse eviction threshold value ${v} of ${signal}`);
    out.push({ signal, quantity: v, value });
  }
  return out;
}

/** True when `available` is below the threshold (for `capacity`). */
export function thresholdMet(t: Threshold, available: number, capacity: number): boolean {
  const limit = t.value ?? (t.percentage ?? 0) * capacity;
  return available < limit;
}

const binarySuffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** A byte count as a BinarySI resource.Quantity prints it ("100Mi", "1536", "0"). */
export function formatBinary(n: number): string {
  let v = Math.round(n);
  let i = 0;
  while (v !== 0 && v % 1024 === 0 && i < binarySuffixes.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v}${binarySuffixes[i]}`;
}
