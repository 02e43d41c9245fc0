/**
 * The spam filter with an injected clock: 25 events per source+object pass,
 * then one per 5 minutes; other objects and sources have their own buckets;
 * the LRU forgets the least recently used key past 4096.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "./clock.ts";
import { EventSpamFilter, spamKey, type SpamKeyFields } from "./event-spam-filter.ts";

const ev = (name: string, component = "deployment-controller"): SpamKeyFields => ({
  source: { component },
  involvedObject: { kind: "Deployment", namespace: "default", name, uid: `uid-${name}` },
});

/** How many of `n` events in a row pass. */
function passing(f: EventSpamFilter, e: SpamKeyFields, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (!f.filter(e)) ok++;
  return ok;
}

test("burst 25 per source and object, then one per 5 minutes", () => {
  const clock = new FakeClock();
  const f = new EventSpamFilter(clock);
  const rows: [string, () => number, number][] = [
    ["first 30 events of web", () => passing(f, ev("web"), 30), 25],
    ["another object has its own bucket", () => passing(f, ev("api"), 3), 3],
    [
      "another source has its own bucket",
      () => passing(f, ev("web", "replicaset-controller"), 2),
      2,
    ],
    ["after 299 s nothing refilled", () => (clock.advance(299_000), passing(f, ev("web"), 5)), 0],
    ["after 300 s one token", () => (clock.advance(1_000), passing(f, ev("web"), 5)), 1],
    ["after 10 more minutes two", () => (clock.advance(600_000), passing(f, ev("web"), 5)), 2],
    [
      "after a long quiet the bucket holds at most 25",
      () => (clock.advance(86_400_000), passing(f, ev("web"), 40)),
      25,
    ],
  ];
  for (const [what, run, want] of rows) assert.equal(run(), want, what);
});

test("custom burst and qps; the spam key ignores reason and message", () => {
  const clock = new FakeClock();
  const f = new EventSpamFilter(clock, { burst: 2, qps: 1 });
  assert.equal(passing(f, ev("a"), 5), 2);
  clock.advance(1_000);
  assert.equal(passing(f, ev("a"), 5), 1);
  assert.equal(
    spamKey({ ...ev("a"), involvedObject: { ...ev("a").involvedObject, apiVersion: "apps/v1" } }),
    "deployment-controllerDeploymentdefaultauid-aapps/v1",
  );
});

test("the least recently used bucket is forgotten past 4096 keys", () => {
  const clock = new FakeClock();
  const f = new EventSpamFilter(clock, { burst: 1 });
  assert.equal(passing(f, ev("old"), 2), 1);
  assert.equal(passing(f, ev("kept"), 2), 1);
  for (let i = 0; i < 4094; i++) f.filter(ev(`o${i}`));
  // "kept" used again: "old" is now the least recently used and goes first.
  f.filter(ev("kept"));
  f.filter(ev("newcomer"));
  assert.equal(passing(f, ev("old"), 1), 1, "old forgot its empty bucket");
  assert.equal(passing(f, ev("kept"), 1), 0, "kept still has its empty bucket");
});
