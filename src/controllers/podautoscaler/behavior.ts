/**
 * Turning a metric proposal into the replica count to set (upstream
 * normalizeDesiredReplicas / normalizeDesiredReplicasWithBehaviors): the
 * stabilization window over recent recommendations, then the min/max bounds
 * and either the legacy scale-up limit (max(2×current, 4)) or the behavior's
 * rate policies over recent scale events. State is per HPA key and lives in
 * the controller's memory, as upstream; time comes from the caller.
 */
import type {
  HorizontalPodAutoscalerBehavior,
  HPAScalingRules,
} from "kubernetes-types/autoscaling/v2.d.ts";

/** --horizontal-pod-autoscaler-downscale-stabilization (5 min). */
export const defaultDownscaleStabilizationSeconds = 300;

/** Upstream's default scale-up rules: +4 pods or +100% per 15 s, whichever is more, no window. */
export const defaultScaleUp: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: "Max",
  policies: [
    { type: "Pods", value: 4, periodSeconds: 15 },
    { type: "Percent", value: 100, periodSeconds: 15 },
  ],
};

/** Upstream's default scale-down rules: -100% per 15 s, 300 s window. */
export const defaultScaleDown: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: defaultDownscaleStabilizationSeconds,
  selectPolicy: "Max",
  policies: [{ type: "Percent", value: 100, periodSeconds: 15 }],
};

/** Behavior rules with upstream's defaults filled in. */
export function withDefaults(b: HorizontalPodAutoscalerBehavior): {
  scaleUp: Required<HPAScalingRules>;
  scaleDown: Required<HPAScalingRules>;
} {
  const fill = (r: HPAScalingRules | undefined, d: Required<HPAScalingRules>) => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? d.stabilizationWindowSeconds,
    selectPolicy: r?.selectPolicy ?? d.selectPolicy,
    policies: r?.policies ?? d.policies,
  });
  return {
    scaleUp: fill(b.scaleUp, defaultScaleUp),
    scaleDown: fill(b.scaleDown, defaultScaleDown),
  };
}

interface Timestamped {
  value: number;
  at: number;
}

/** A condition the normalization wants set: [reason, message]. */
export type ReasonMessage = [reason: string, message: string];

export interface Normalized {
  desired: number;
  /** AbleToScale (status True) reason and message. */
  ableToScale: ReasonMessage;
  /** ScalingLimited reason and message; limited says whether its status is True. */
  scalingLimited: ReasonMessage;
  limited: boolean;
}

export interface NormalizeArgs {
  key: string;
  current: number;
  /** The metrics' proposal. */
  proposed: number;
  min: number;
  max: number;
  /** spec.behavior, or undefined for the legacy algorithm. */
  behavior?: HorizontalPodAutoscalerBehavior;
  now: number;
}

const readyForNewScale: ReasonMessage = [
  "ReadyForNewScale",
  "recommended size matches current size",
];
const scaleDownStabilized: ReasonMessage = [
  "ScaleDownStabilized",
  "recent recommendations were higher than current one, applying the highest recent recommendation",
];
const scaleUpStabilized: ReasonMessage = [
  "ScaleUpStabilized",
  "recent recommendations were lower than current one, applying the lowest recent recommendation",
];
const withinRange: ReasonMessage = [
  "DesiredWithinRange",
  "the desired count is within the acceptable range",
];
const tooFew: ReasonMessage = [
  "TooFewReplicas",
  "the desired replica count is less than the minimum replica count",
];
const tooMany: ReasonMessage = [
  "TooManyReplicas",
  "the desired replica count is more than the maximum replica count",
];
const scaleUpLimit: ReasonMessage = [
  "ScaleUpLimit",
  "the desired replica count is increasing faster than the maximum scale rate",
];
const scaleDownLimit: ReasonMessage = [
  "ScaleDownLimit",
  "the desired replica count is decreasing faster than the maximum scale rate",
];

/** Sum of the changes of events within the last periodSeconds. */
function changeInPeriod(events: Timestamped[], periodSeconds: number, now: number): number {
  let sum = 0;
  for (const e of events) if (e.at > now - periodSeconds * 1000) sum += e.value;
  return sum;
}

/** Remembers recommendations and scale events per HPA and normalizes proposals. */
export class ScaleNormalizer {
  private recommendations = new Map<string, Timestamped[]>();
  private scaleUpEvents = new Map<string, Timestamped[]>();
  private scaleDownEvents = new Map<string, Timestamped[]>();

  /** Forgets an HPA that was deleted. */
  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUpEvents.delete(key);
    this.scaleDownEvents.delete(key);
  }

  normalize(a: NormalizeArgs): Normalized {
    return a.behavior ? this.withBehaviors(a, a.behavior) : this.legacy(a);
  }

  /** Records a rescale the controller made (for the rate policies). */
  recordScale(
    key: string,
    from: number,
    to: number,
    now: number,
    behavior?: HorizontalPodAutoscalerBehavior,
  ): void {
    if (!behavior || from === to) return;
    const rules = withDefaults(behavior);
    const longest = (r: Required<HPAScalingRules>) =>
      Math.max(0, ...r.policies.map((p) => p.periodSeconds));
    const keep = (events: Timestamped[], r: Required<HPAScalingRules>) =>
      events.filter((e) => e.at > now - longest(r) * 1000);
    if (to > from) {
      const list = keep(this.scaleUpEvents.get(key) ?? [], rules.scaleUp);
      list.push({ value: to - from, at: now });
      this.scaleUpEvents.set(key, list);
    } else {
      const list = keep(this.scaleDownEvents.get(key) ?? [], rules.scaleDown);
      list.push({ value: from - to, at: now });
      this.scaleDownEvents.set(key, list);
    }
  }

  /** upstream normalizeDesiredReplicas: 5 min downscale window, scale-up limit max(2×, 4). */
  private legacy(a: NormalizeArgs): Normalized {
    const windowMs = defaultDownscaleStabilizationSeconds * 1000;
    const recs = (this.recommendations.get(a.key) ?? []).filter((r) => r.at > a.now - windowMs);
    recs.push({ value: a.proposed, at: a.now });
    this.recommendations.set(a.key, recs);
    const stabilized = Math.max(...recs.map((r) => r.value));
    const ableToScale = stabilized !== a.proposed ? scaleDownStabilized : readyForNewScale;
    const limitUp = Math.max(2 * a.current, 4);
    let maxAllowed: number;
    let upLimit: ReasonMessage;
    if (a.max > limitUp) {
      maxAllowed = limitUp;
      upLimit = scaleUpLimit;
    } else {
      maxAllowed = a.max;
      upLimit = tooMany;
    }
    let desired = stabilized;
    let why = withinRange;
    if (stabilized < a.min) [desired, why] = [a.min, tooFew];
    else if (stabilized > maxAllowed) [desired, why] = [maxAllowed, upLimit];
    return { desired, ableToScale, scalingLimited: why, limited: desired !== stabilized };
  }

  /** upstream normalizeDesiredReplicasWithBehaviors. */
  private withBehaviors(a: NormalizeArgs, behavior: HorizontalPodAutoscalerBehavior): Normalized {
    const rules = withDefaults(behavior);
    // Stabilization: the lowest recent recommendation when going up, the highest when going down.
    const up = a.proposed >= a.current;
    const delay = up
      ? rules.scaleUp.stabilizationWindowSeconds
      : rules.scaleDown.stabilizationWindowSeconds;
    const maxDelay = Math.max(
      rules.scaleUp.stabilizationWindowSeconds,
      rules.scaleDown.stabilizationWindowSeconds,
    );
    const cutoff = a.now - delay * 1000;
    let stabilized = a.proposed;
    const recs = this.recommendations.get(a.key) ?? [];
    for (const r of recs)
      if (r.at > cutoff)
        stabilized = up ? Math.min(stabilized, r.value) : Math.max(stabilized, r.value);
    const kept = recs.filter((r) => r.at >= a.now - maxDelay * 1000);
    kept.push({ value: a.proposed, at: a.now });
    this.recommendations.set(a.key, kept);
    const ableToScale =
      stabilized !== a.proposed ? (up ? scaleUpStabilized : scaleDownStabilized) : readyForNewScale;

    // Rate policies and bounds.
    const ups = this.scaleUpEvents.get(a.key) ?? [];
    const downs = this.scaleDownEvents.get(a.key) ?? [];
    const periodStart = (periodSeconds: number) =>
      a.current -
      changeInPeriod(ups, periodSeconds, a.now) +
      changeInPeriod(downs, periodSeconds, a.now);
    let desired = stabilized;
    let why = withinRange;
    if (stabilized > a.current) {
      let limit = a.current;
      const r = rules.scaleUp;
      if (r.selectPolicy !== "Disabled") {
        const pick = r.selectPolicy === "Min" ? Math.min : Math.max;
        limit = r.selectPolicy === "Min" ? Infinity : -Infinity;
        for (const p of r.policies) {
          const start = periodStart(p.periodSeconds);
          const proposed =
            p.type === "Pods" ? start + p.value : Math.ceil(start * (1 + p.value / 100));
          limit = pick(limit, proposed);
        }
        limit = Math.max(limit, a.current);
      }
      const [maxAllowed, reason] = a.max > limit ? [limit, scaleUpLimit] : [a.max, tooMany];
      if (stabilized > maxAllowed) [desired, why] = [maxAllowed, reason];
    } else if (stabilized < a.current) {
      let limit = a.current;
      const r = rules.scaleDown;
      if (r.selectPolicy !== "Disabled") {
        // Going down, the "Min" policy is the one that changes least: the highest count.
        const pick = r.selectPolicy === "Min" ? Math.max : Math.min;
        limit = r.selectPolicy === "Min" ? -Infinity : Infinity;
        for (const p of r.policies) {
          const start = periodStart(p.periodSeconds);
          const proposed =
            p.type === "Pods" ? start - p.value : Math.trunc(start * (1 - p.value / 100));
          limit = pick(limit, proposed);
        }
        limit = Math.min(limit, a.current);
      }
      const [minAllowed, reason] = a.min < limit ? [limit, scaleDownLimit] : [a.min, tooFew];
      if (stabilized < minAllowed) [desired, why] = [minAllowed, reason];
    }
    return { desired, ableToScale, scalingLimited: why, limited: desired !== stabilized };
  }
}
