import { test } from "node:test";
import assert from "node:assert/strict";
import { ScaleNormalizer, withDefaults } from "./behavior.ts";

const t0 = Date.UTC(2026, 0, 1);

test("legacy normalization: min/max, scale-up limit, 5-minute downscale window", () => {
  const n = new ScaleNormalizer();
  const base = { key: "ns/h", min: 1, max: 20 };
  // Scale-up limit max(2×current, 4).
  let r = n.normalize({ ...base, current: 3, proposed: 10, now: t0 });
  assert.equal(r.desired, 6);
  assert.deepEqual([r.limited, r.scalingLimited[0]], [true, "ScaleUpLimit"]);
  // Max bound.
  r = n.normalize({ ...base, key: "ns/b", current: 15, proposed: 40, now: t0 });
  assert.deepEqual([r.desired, r.scalingLimited[0]], [20, "TooManyReplicas"]);
  // Min bound.
  r = n.normalize({ ...base, key: "ns/c", min: 2, current: 3, proposed: 1, now: t0 });
  assert.deepEqual([r.desired, r.scalingLimited[0]], [2, "TooFewReplicas"]);
  // Downscale stabilization: the highest recommendation of the last 5 minutes wins.
  const k = { ...base, key: "ns/d" };
  r = n.normalize({ ...k, current: 8, proposed: 8, now: t0 });
  assert.deepEqual([r.desired, r.ableToScale[0]], [8, "ReadyForNewScale"]);
  r = n.normalize({ ...k, current: 8, proposed: 2, now: t0 + 60_000 });
  assert.deepEqual([r.desired, r.ableToScale[0]], [8, "ScaleDownStabilized"]);
  r = n.normalize({ ...k, current: 8, proposed: 2, now: t0 + 301_000 });
  assert.deepEqual([r.desired, r.ableToScale[0], r.limited], [2, "ReadyForNewScale", false]);
});

test("behavior: default rules, policies over periods, select policy, disabled", () => {
  const d = withDefaults({});
  assert.equal(d.scaleDown.stabilizationWindowSeconds, 300);
  assert.equal(d.scaleUp.stabilizationWindowSeconds, 0);

  const cases: {
    name: string;
    behavior: Parameters<typeof withDefaults>[0];
    current: number;
    proposed: number;
    want: number;
    reason: string;
  }[] = [
    // Default scale-up: max(+4 pods, +100%) per 15 s.
    {
      name: "default up small",
      behavior: {},
      current: 1,
      proposed: 10,
      want: 5,
      reason: "ScaleUpLimit",
    },
    {
      name: "default up large",
      behavior: {},
      current: 10,
      proposed: 50,
      want: 20,
      reason: "ScaleUpLimit",
    },
    {
      name: "Min select policy up",
      behavior: {
        scaleUp: {
          selectPolicy: "Min",
          policies: [
            { type: "Pods", value: 2, periodSeconds: 60 },
            { type: "Percent", value: 100, periodSeconds: 60 },
          ],
        },
      },
      current: 10,
      proposed: 50,
      want: 12,
      reason: "ScaleUpLimit",
    },
    {
      name: "down by pods policy, no window",
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
        },
      },
      current: 5,
      proposed: 1,
      want: 4,
      reason: "ScaleDownLimit",
    },
    {
      name: "down by percent",
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: "Percent", value: 50, periodSeconds: 60 }],
        },
      },
      current: 10,
      proposed: 1,
      want: 5,
      reason: "ScaleDownLimit",
    },
    {
      name: "scale-down disabled",
      behavior: { scaleDown: { stabilizationWindowSeconds: 0, selectPolicy: "Disabled" } },
      current: 10,
      proposed: 1,
      want: 10,
      reason: "ScaleDownLimit",
    },
    {
      name: "within range",
      behavior: {},
      current: 4,
      proposed: 6,
      want: 6,
      reason: "DesiredWithinRange",
    },
  ];
  for (const c of cases) {
    const n = new ScaleNormalizer();
    const r = n.normalize({
      key: "k",
      current: c.current,
      proposed: c.proposed,
      min: 1,
      max: 100,
      behavior: c.behavior,
      now: t0,
    });
    assert.equal(r.desired, c.want, c.name);
    assert.equal(r.scalingLimited[0], c.reason, c.name);
  }
});

test("behavior: scale events within a policy period limit further scaling", () => {
  const n = new ScaleNormalizer();
  const behavior = { scaleUp: { policies: [{ type: "Pods", value: 4, periodSeconds: 60 }] } };
  const args = { key: "k", min: 1, max: 100, behavior };
  let r = n.normalize({ ...args, current: 2, proposed: 20, now: t0 });
  assert.equal(r.desired, 6);
  n.recordScale("k", 2, 6, t0, behavior);
  // 30 s later, the period still holds the +4: no more room.
  r = n.normalize({ ...args, current: 6, proposed: 20, now: t0 + 30_000 });
  assert.equal(r.desired, 6);
  // After the period the next +4 is allowed.
  r = n.normalize({ ...args, current: 6, proposed: 20, now: t0 + 61_000 });
  assert.equal(r.desired, 10);
});

test("behavior: scale-up stabilization picks the lowest recent recommendation", () => {
  const n = new ScaleNormalizer();
  const behavior = { scaleUp: { stabilizationWindowSeconds: 120 } };
  const args = { key: "k", min: 1, max: 100, behavior, current: 4 };
  n.normalize({ ...args, proposed: 5, now: t0 });
  const r = n.normalize({ ...args, proposed: 8, now: t0 + 60_000 });
  assert.deepEqual([r.desired, r.ableToScale[0]], [5, "ScaleUpStabilized"]);
  const later = n.normalize({ ...args, proposed: 8, now: t0 + 200_000 });
  assert.equal(later.desired, 8);
});
