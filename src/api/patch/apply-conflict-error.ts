/**
 * The 409 Conflict kube-apiserver answers when server-side apply meets
 * fields owned by other managers.
 */
import { StatusError } from "../status.ts";
import type { ApplyConflict } from "./server-side-apply.ts";
import { printManager } from "./server-side-apply.ts";

/**
 * Upstream's message: one conflict on one line
 * (`Apply failed with 1 conflict: conflict with "m" using apps/v1: .spec.replicas`),
 * several grouped by manager in sorted order, one `- <path>` line each.
 */
export function applyConflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) {
    const c = conflicts[0];
    return `Apply failed with 1 conflict: conflict with ${printManager(c)}: ${c.field}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const key = printManager(c);
    byManager.set(key, [...(byManager.get(key) ?? []), c.field]);
  }
  const lines: string[] = [];
  for (const manager of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${manager}:`);
    for (const field of byManager.get(manager)!) lines.push(`- ${field}`);
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}

/** The 409 Status: reason Conflict, one FieldManagerConflict cause per field. */
export function applyConflictError(conflicts: ApplyConflict[]): StatusError {
  return new StatusError("Conflict", applyConflictMessage(conflicts), {
    causes: conflicts.map((c) => ({
      reason: "FieldManagerConflict",
      message: `conflict with ${printManager(c)}`,
      field: c.field,
    })),
  });
}
