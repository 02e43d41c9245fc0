/** Summary statistics of a sample set (same unit as the samples). */
export interface Percentiles {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The nearest-rank q-th percentile (0 < q <= 100) of ascending-sorted samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Count, min, mean, p50/p90/p99 (nearest rank) and max of samples; NaN fields when empty. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const arr = Array.from(sorted);
  let sum = 0;
  for (const s of arr) sum += s;
  return {
    count: arr.length,
    min: arr.length ? arr[0]! : NaN,
    mean: arr.length ? sum / arr.length : NaN,
    p50: percentile(arr, 50),
    p90: percentile(arr, 90),
    p99: percentile(arr, 99),
    max: arr.length ? arr[arr.length - 1]! : NaN,
  };
}

/**
 * Runs op(0..n-1) with `concurrency` in flight; the latency percentiles of
 * the calls (ms) and the throughput (calls per second).
 */
export async function timedOps(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<Percentiles & { perSecond: number }> {
  const samples: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await op(i);
        samples.push(performance.now() - t);
      }
    }),
  );
  return { ...percentiles(samples), perSecond: n / ((performance.now() - start) / 1000) };
}
