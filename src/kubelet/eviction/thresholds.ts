/**
 * Eviction thresholds as the kubelet's flags state them (upstream
 * ParseThresholdConfig): --eviction-hard and --eviction-soft
 * ("memory.available<100Mi,nodefs.available<10%"), each soft threshold's
 * --eviction-soft-grace-period ("memory.available=1m30s"), and
 * --eviction-minimum-reclaim ("nodefs.available=500Mi"); upstream's Linux
 * defaults, and the check of one observation against one threshold.
 */
import { parseDuration } from "../../api/schema/go-formats.ts";
import { quantityValue } from "../pod/qos.ts";

export type Signal =
  | "memory.available"
  | "nodefs.available"
  | "nodefs.inodesFree"
  | "imagefs.available"
  | "imagefs.inodesFree"
  | "pid.available";

const signals = new Set<string>([
  "memory.available",
  "nodefs.available",
  "nodefs.inodesFree",
  "imagefs.available",
  "imagefs.inodesFree",
  "pid.available",
]);

export interface Threshold {
  signal: Signal;
  /** An absolute quantity as written (e.g. "100Mi"), or undefined for a percentage. */
  quantity?: string;
  /** The absolute value in bytes / inodes when `quantity` is set. */
  value?: number;
  /** The fraction of capacity (0..1) when given as a percentage. */
  percentage?: number;
  /** Soft thresholds only: how long the threshold must be met before pods are evicted (0: hard). */
  gracePeriodMs?: number;
  /** --eviction-minimum-reclaim: once met, the threshold holds until this much more is available. */
  minReclaim?: { quantity?: string; value?: number; percentage?: number };
}

/** Upstream isHardEvictionThreshold: no grace period. */
export const isHardThreshold = (t: Threshold): boolean => !t.gracePeriodMs;

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

const entries = (spec: string): string[] =>
  spec
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function signalOf(name: string): Signal {
  if (!signals.has(name)) throw new ThresholdError(`unsupported eviction signal ${name}`);
  return name as Signal;
}

/** A quantity or percentage of capacity, as thresholds and minimum reclaims state them. */
function parseAmount(
  signal: Signal,
  v: string,
  what: string,
): { quantity?: string; value?: number; percentage?: number } {
  if (v.endsWith("%")) {
    const pct = Number(v.slice(0, -1));
    if (!(pct >= 0 && pct <= 100))
      throw new ThresholdError(`eviction percentage ${what} ${signal} must be in [0, 100]`);
    return { percentage: pct / 100 };
  }
  if (v.startsWith("-")) throw new ThresholdError(`negative ${what} defined for signal ${signal}`);
  const value = quantityValue(v);
  if (!(value >= 0) || (value === 0 && !/^0+[A-Za-z]*$/.test(v)))
    throw new ThresholdError(`Cannot parse eviction ${what} value ${v} of ${signal}`);
  return { quantity: v, value };
}

/** Parses --eviction-hard or --eviction-soft ("" → none). */
export function parseThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of entries(spec)) {
    const m = /^([A-Za-z.]+)<(.+)$/.exec(part);
    if (!m) throw new ThresholdError(`Cannot parse eviction threshold ${part}: want signal<value`);
    const signal = signalOf(m[1]);
    if (out.some((t) => t.signal === signal))
      throw new ThresholdError(`found duplicate eviction threshold for signal ${signal}`);
    out.push({ signal, ...parseAmount(signal, m[2].trim(), "threshold") });
  }
  return out;
}

/** `signal=value` entries of --eviction-soft-grace-period / --eviction-minimum-reclaim. */
function parseSignalMap(spec: string, flag: string): Map<Signal, string> {
  const out = new Map<Signal, string>();
  for (const part of entries(spec)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new ThresholdError(`Cannot parse ${flag} entry ${part}: want signal=value`);
    out.set(signalOf(part.slice(0, eq).trim()), part.slice(eq + 1).trim());
  }
  return out;
}

/** The kubelet's eviction flags, as written. */
export interface EvictionFlags {
  hard?: string;
  soft?: string;
  softGracePeriod?: string;
  minimumReclaim?: string;
}

/**
 * Upstream ParseThresholdConfig: hard thresholds, then soft ones (each must
 * have a grace period), each given its minimum reclaim.
 */
export function parseThresholdConfig(f: EvictionFlags): Threshold[] {
  const hard = parseThresholds(f.hard ?? "");
  const soft = parseThresholds(f.soft ?? "");
  const grace = parseSignalMap(f.softGracePeriod ?? "", "--eviction-soft-grace-period");
  const reclaim = parseSignalMap(f.minimumReclaim ?? "", "--eviction-minimum-reclaim");
  for (const t of soft) {
    const g = grace.get(t.signal);
    if (g === undefined)
      throw new ThresholdError(
        `grace period must be specified for the soft eviction threshold ${t.signal}`,
      );
    let ns: bigint;
    try {
      ns = parseDuration(g);
    } catch {
      throw new ThresholdError(`Cannot parse eviction grace period ${g} of ${t.signal}`);
    }
    if (ns < 0n)
      throw new ThresholdError(
        `invalid eviction grace period specified: ${g}, must be a positive value`,
      );
    t.gracePeriodMs = Number(ns / 1_000_000n);
  }
  const reclaims = new Map([...reclaim].map(([s, v]) => [s, parseAmount(s, v, "reclaim")]));
  const all = [...hard, ...soft];
  for (const t of all) {
    const r = reclaims.get(t.signal);
    if (r) t.minReclaim = { ...r };
  }
  return all;
}

/** A quantity or a share of capacity, truncated as upstream GetThresholdQuantity. */
const amount = (a: { value?: number; percentage?: number }, capacity: number): number =>
  a.value ?? Math.trunc((a.percentage ?? 0) * capacity);

/**
 * True when `available` is below the threshold (for `capacity`); with
 * `enforceMinReclaim`, below the threshold plus its minimum reclaim
 * (upstream thresholdsMet).
 */
export function thresholdMet(
  t: Threshold,
  available: number,
  capacity: number,
  enforceMinReclaim = false,
): boolean {
  let limit = amount(t, capacity);
  if (enforceMinReclaim && t.minReclaim) limit += amount(t.minReclaim, capacity);
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
