/**
 * Parsing of `k8ts simulate` flag values in the kubelet's formats:
 * --register-with-taints `key=value:Effect,key:Effect` and --node-labels
 * `key=value,key2=value2`.
 */
import type { Taint } from "kubernetes-types/core/v1.d.ts";

const effects = new Set(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

/** Parses a comma-separated taint list; throws naming the bad entry. */
export function parseTaints(spec: string): Taint[] {
  if (!spec.trim()) return [];
  return spec.split(",").map((entry) => {
    const m = /^([^=:\s]+)(?:=([^:\s]*))?:(\S+)$/.exec(entry.trim());
    if (!m) throw new Error(`Cannot parse taint ${entry}: expected key[=value]:Effect`);
    if (!effects.has(m[3]!))
      throw new Error(
        `Cannot parse taint ${entry}: effect must be NoSchedule, PreferNoSchedule or NoExecute`,
      );
    const t: Taint = { key: m[1]!, effect: m[3]! };
    if (m[2]) t.value = m[2];
    return t;
  });
}

/** Parses `key=value,...` into a label map; throws naming the bad entry. */
export function parseLabels(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!spec.trim()) return out;
  for (const entry of spec.split(",")) {
    const i = entry.indexOf("=");
    if (i <= 0) throw new Error(`Cannot parse label ${entry}: expected key=value`);
    out[entry.slice(0, i).trim()] = entry.slice(i + 1).trim();
  }
  return out;
}
