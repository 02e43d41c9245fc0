/** Job conditions and completion arithmetic (pure). */
import type { KObject } from "../../api/types.ts";

export interface JobCondition {
  type: string;
  status: "True" | "False";
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export type Job = KObject & {
  spec?: {
    parallelism?: number;
    completions?: number | null;
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    completionMode?: "NonIndexed" | "Indexed";
    suspend?: boolean;
    selector?: unknown;
    ttlSecondsAfterFinished?: number;
    template?: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec?: Record<string, unknown>;
    };
  };
  status?: {
    active?: number;
    ready?: number;
    terminating?: number;
    succeeded?: number;
    failed?: number;
    startTime?: string;
    completionTime?: string;
    completedIndexes?: string;
    /** Indexes failed under backoffLimitPerIndex (same format). */
    failedIndexes?: string | null;
    conditions?: JobCondition[];
    uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
  };
};

export function isJobFinished(job: Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
}

/** How many pods should be running now (NonIndexed). */
export function wantActive(job: Job, succeeded: number): number {
  const parallelism = job.spec?.parallelism ?? 1;
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0 ? 0 : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** Whether the job has succeeded. */
export function isComplete(job: Job, succeeded: number): boolean {
  const completions = job.spec?.completions;
  if (completions === undefined || completions === null) return succeeded > 0;
  return succeeded >= completions;
}

/** "0-2,4" style interval list of sorted indexes, as status.completedIndexes. */
export function formatIndexes(indexes: number[]): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function parseIndexes(text: string | undefined): number[] {
  if (!text) return [];
  const out: number[] = [];
  for (const part of text.split(",")) {
    const [a, b] = part.split("-").map(Number);
    if (b === undefined) out.push(a!);
    else for (let i = a!; i <= b; i++) out.push(i);
  }
  return out;
}

export function setJobCondition(
  list: JobCondition[],
  c: JobCondition,
  now: string,
): JobCondition[] {
  const old = list.find((x) => x.type === c.type);
  if (old && old.status === c.status && old.reason === c.reason) return list;
  return [
    ...list.filter((x) => x.type !== c.type),
    { ...c, lastProbeTime: now, lastTransitionTime: now },
  ];
}
