/**
 * TaintToleration: NoSchedule and NoExecute taints filter out pods that do
 * not tolerate them; PreferNoSchedule taints lower the score (fewer
 * intolerable ones score higher).
 */
import type { Toleration } from "kubernetes-types/core/v1.d.ts";
import type {
  EnqueueExtensions,
  FilterPlugin,
  PreScorePlugin,
  ScorePlugin,
} from "../../framework/interfaces.ts";
import { unresolvable } from "../../framework/status.ts";
import { defaultNormalizeScore } from "../helper/normalize-score.ts";
import { findUntoleratedTaint, tolerationsTolerateTaint } from "../helper/taints.ts";

export const Name = "TaintToleration";
const filterEffects = new Set(["NoSchedule", "NoExecute"]);
const stateKey = "PreScore" + Name;

export function newTaintToleration(): FilterPlugin &
  PreScorePlugin &
  ScorePlugin &
  EnqueueExtensions {
  return {
    name: Name,
    filter(_state, pod, node) {
      if (node.taints.length === 0) return null;
      const taint = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, filterEffects);
      if (!taint) return null;
      return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`);
    },
    preScore(state, pod) {
      const prefer: Toleration[] = (pod.pod.spec?.tolerations ?? []).filter(
        (t) => !t.effect || t.effect === "PreferNoSchedule",
      );
      state.write(stateKey, prefer);
      return null;
    },
    score(state, _pod, node) {
      const taints = node.taints;
      if (taints.length === 0) return 0;
      const tolerations = state.read<Toleration[]>(stateKey) ?? [];
      let n = 0;
      for (const taint of taints) {
        if (taint.effect === "PreferNoSchedule" && !tolerationsTolerateTaint(tolerations, taint))
          n++;
      }
      return n;
    },
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true);
    },
    eventsToRegister: () => [{ resource: "Node", actions: ["Add", "Update"] }],
  } satisfies FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions;
}
