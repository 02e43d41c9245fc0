import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import { FakeClock } from "../client/clock.ts";
import { TokenManager } from "./token-manager.ts";

const pod = (uid: string): Pod => ({ metadata: { name: "p", namespace: "ns", uid } });
const req = (uid = "u1", expirationSeconds = 3600) => ({
  namespace: "ns",
  serviceAccount: "default",
  expirationSeconds,
  pod: pod(uid),
});

test("tokens are reused until 80% of their TTL or 24 h have passed", async () => {
  const cases: { name: string; ttlS: number; refreshAtMs: number }[] = [
    { name: "one hour: refresh at 48 min", ttlS: 3600, refreshAtMs: 2880_000 },
    { name: "one year (extended): refresh after 24 h", ttlS: 365 * 86400, refreshAtMs: 86400_000 },
  ];
  for (const c of cases) {
    const clock = new FakeClock();
    let n = 0;
    const m = new TokenManager(
      async (r) => ({ token: `t${++n}`, expiresAt: clock.now() + c.ttlS * 1000 }),
      clock,
      () => 0,
    );
    assert.equal(await m.source(req("u1", c.ttlS)), "t1", c.name);
    clock.advance(c.refreshAtMs - 1);
    assert.equal(await m.source(req("u1", c.ttlS)), "t1", `${c.name}: before`);
    clock.advance(1);
    assert.equal(await m.source(req("u1", c.ttlS)), "t2", `${c.name}: at`);
    assert.equal(await m.source(req("u1", c.ttlS)), "t2", `${c.name}: cached again`);
  }
});

test("jitter refreshes up to 10 s early; keys include the pod; failures keep a valid token", async () => {
  const clock = new FakeClock();
  let n = 0;
  let fail = false;
  const m = new TokenManager(
    async () => {
      if (fail) throw new Error("apiserver down");
      return { token: `t${++n}`, expiresAt: clock.now() + 3600_000 };
    },
    clock,
    () => 0.5,
  );
  assert.equal(await m.source(req("u1")), "t1");
  assert.equal(await m.source(req("u2")), "t2", "another pod gets its own token");
  clock.advance(2880_000 - 5000);
  assert.equal(await m.source(req("u1")), "t3", "5 s jitter");
  fail = true;
  assert.equal(await m.source(req("u2")), "t2", "refresh failed: the old token is still valid");
  clock.advance(3600_000);
  await assert.rejects(m.source(req("u2")), /apiserver down/, "expired tokens are dropped");
  fail = false;
  m.forgetPod("u1");
  assert.equal(await m.source(req("u1")), "t4");
});
