/**
 * DefaultTolerationSeconds admission, as upstream: pods being created that do
 * not tolerate node.kubernetes.io/not-ready or /unreachable NoExecute taints
 * get tolerations for them with tolerationSeconds (300 s by default, from
 * --default-not-ready-toleration-seconds / --default-unreachable-toleration-seconds).
 */
import type { AdmissionPlugin } from "../../pipeline.ts";
import { isPodWrite } from "./admission-error.ts";

export const NOT_READY_TAINT = "node.kubernetes.io/not-ready";
export const UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

type Toleration = { key?: string; operator?: string; effect?: string; tolerationSeconds?: number };

export interface DefaultTolerationOptions {
  notReadySeconds?: number;
  unreachableSeconds?: number;
}

/** Adds the two tolerations where no existing one covers the taint. Idempotent. */
export function addDefaultTolerationSeconds(
  spec: { tolerations?: Toleration[] },
  notReadySeconds: number,
  unreachableSeconds: number,
): void {
  const tolerations = spec.tolerations ?? [];
  const covers = (key: string) =>
    tolerations.some(
      (t) =>
        (t.key === key || (!t.key && t.operator === "Exists")) &&
        (!t.effect || t.effect === "NoExecute"),
    );
  const add: Toleration[] = [];
  for (const [key, seconds] of [
    [NOT_READY_TAINT, notReadySeconds],
    [UNREACHABLE_TAINT, unreachableSeconds],
  ] as const) {
    if (!covers(key))
      add.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds });
  }
  if (add.length) spec.tolerations = [...tolerations, ...add];
}

export function defaultTolerationSecondsPlugin(
  opts: DefaultTolerationOptions = {},
): AdmissionPlugin {
  return {
    name: "DefaultTolerationSeconds",
    admit(attrs) {
      if (!isPodWrite(attrs)) return;
      const spec = (attrs.object!.spec ??= {}) as { tolerations?: Toleration[] };
      addDefaultTolerationSeconds(
        spec,
        opts.notReadySeconds ?? 300,
        opts.unreachableSeconds ?? 300,
      );
    },
  };
}
