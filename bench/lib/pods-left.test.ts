import { test } from "node:test";
import assert from "node:assert/strict";
import type { RestClient } from "../../src/client/rest-client.ts";
import { podsInNamespace, waitPodsGone } from "./pods-left.ts";

/** A client whose namespace holds `left` pods (all labelled), one fewer after each selector list. */
function shrinkingClient(left: number) {
  const calls: { labelSelector?: string; limit?: number }[] = [];
  const client = {
    async list(_ref: unknown, _ns: string, opts: { labelSelector?: string; limit?: number }) {
      calls.push(opts);
      const n = left;
      if (opts.labelSelector) left = Math.max(0, left - 1);
      const items = n > 0 ? [{ metadata: { name: "p" } }] : [];
      // As the server: no remainingItemCount under a label selector.
      return {
        items,
        metadata: !opts.labelSelector && n > 1 ? { remainingItemCount: n - 1 } : {},
      };
    },
  };
  return { client: client as unknown as RestClient, calls };
}

test("podsInNamespace counts from one list of at most one pod", async () => {
  for (const [n, want] of [
    [0, 0],
    [1, 1],
    [2000, 2000],
  ] as const) {
    const { client, calls } = shrinkingClient(n);
    assert.equal(await podsInNamespace(client, "default"), want);
    assert.deepEqual(calls, [{ limit: 1 }]);
  }
});

test("waitPodsGone polls with the selector until none is left and reports progress", async () => {
  const { client, calls } = shrinkingClient(3);
  const seen: number[] = [];
  const seconds = await waitPodsGone(client, {
    namespace: "default",
    labelSelector: "app=x",
    t0: performance.now(),
    timeoutS: 60,
    pollMs: 1,
    progressEveryMs: 0,
    progress: (left) => seen.push(left),
  });
  assert.ok(seconds >= 0);
  assert.equal(calls.filter((c) => c.labelSelector === "app=x").length, 4, "3 with pods, 1 empty");
  assert.deepEqual(seen, [2, 1, 0], "the namespace count after each non-empty poll");
});
