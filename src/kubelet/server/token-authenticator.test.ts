import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../../client/clock.ts";
import { tokenReviewAuthenticator } from "./token-authenticator.ts";

test("tokenReviewAuthenticator reviews tokens and caches answers for the TTL", async () => {
  const clock = new FakeClock();
  const asked: { path: string; body: any }[] = [];
  let fail = false;
  const client = {
    request: async (_m: string, path: string, opts: { body?: any } = {}) => {
      if (fail) throw new Error("connection refused");
      asked.push({ path, body: opts.body });
      const good = opts.body.spec.token === "good";
      return {
        status: good
          ? {
              authenticated: true,
              user: { username: "system:serviceaccount:ns:sa", groups: ["system:serviceaccounts"] },
            }
          : { authenticated: false, user: {} },
      } as any;
    },
  };
  const authn = tokenReviewAuthenticator({ client, clock, cacheTtlMs: 1000 });
  const cases: {
    token: string;
    advance?: number;
    fail?: boolean;
    want?: string;
    reviews: number;
  }[] = [
    { token: "good", want: "system:serviceaccount:ns:sa", reviews: 1 },
    { token: "good", want: "system:serviceaccount:ns:sa", reviews: 1 },
    { token: "bad", reviews: 2 },
    { token: "bad", reviews: 2 },
    { token: "good", advance: 1000, want: "system:serviceaccount:ns:sa", reviews: 3 },
    { token: "other", fail: true, reviews: 3 },
  ];
  for (const [i, c] of cases.entries()) {
    if (c.advance) clock.advance(c.advance);
    fail = !!c.fail;
    const user = await authn(c.token);
    assert.equal(user?.name, c.want, `case ${i}`);
    assert.equal(asked.length, c.reviews, `case ${i}`);
  }
  assert.equal(asked[0].path, "/apis/authentication.k8s.io/v1/tokenreviews");
  assert.deepEqual(asked[0].body.spec, { token: "good" });
  fail = false;
  assert.equal(await authn("other"), undefined, "a failed review is not cached");
  assert.equal(asked.length, 4);
});
