/** Upstream helper.DefaultNormalizeScore: scales scores to 0..maxScore by the highest one, optionally reversed. */
import { maxNodeScore, type NodeScore } from "../../framework/interfaces.ts";

export function defaultNormalizeScore(
  scores: NodeScore[],
  reverse: boolean,
  maxScore = maxNodeScore,
): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxScore;
    return;
  }
  for (const s of scores) {
    let v = Math.floor((maxScore * s.score) / max);
    if (reverse) v = maxScore - v;
    s.score = v;
  }
}
