/**
 * Paged storage lists report remainingItemCount on every page and count the
 * rest once per walk: the first page counts, its continue token carries the
 * count, later pages subtract what they return.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ListOptions } from "../../storage/backend.ts";
import { configMap, useTestServer } from "../testing/test-server.ts";

const t = useTestServer();
const NS = "/api/v1/namespaces/default/configmaps";

/** Records the countRemaining of every configmaps list the server asks storage for. */
function spyCounts(): { asked: boolean[]; restore(): void } {
  const backend = t.server.context.store.backend;
  const list = backend.list;
  const asked: boolean[] = [];
  backend.list = (prefix: string, opts?: ListOptions) => {
    if (prefix.startsWith("/registry/configmaps/")) asked.push(opts?.countRemaining === true);
    return list.call(backend, prefix, opts);
  };
  return { asked, restore: () => (backend.list = list) };
}

/** The token with its remaining count removed (as an older server wrote it) or replaced. */
function withRemaining(token: string, remaining: unknown): string {
  const raw = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  return Buffer.from(JSON.stringify({ ...raw, remaining })).toString("base64");
}

test("a paged walk from storage counts once and reports the keys left on every page", async () => {
  for (let i = 0; i < 9; i++) {
    const r = await t.call("POST", NS, configMap(`page-${i}`));
    assert.equal(r.status, 201, r.text);
  }
  const all = await t.call("GET", NS);
  const total = all.body.items.length as number;
  const rv = all.body.metadata.resourceVersion as string;
  const spy = spyCounts();
  try {
    // A limit with resourceVersion N and no match: an exact read, from storage.
    let r = await t.call("GET", `${NS}?limit=2&resourceVersion=${rv}`);
    let seen = 0;
    for (;;) {
      assert.equal(r.status, 200, r.text);
      seen += r.body.items.length;
      if (!r.body.metadata.continue) break;
      assert.equal(r.body.metadata.remainingItemCount, total - seen, `after ${seen}`);
      r = await t.call(
        "GET",
        `${NS}?limit=2&continue=${encodeURIComponent(r.body.metadata.continue)}`,
      );
    }
    assert.equal(seen, total);
    assert.ok(spy.asked.length >= Math.ceil(total / 2), String(spy.asked));
    assert.deepEqual(
      spy.asked.filter((c) => c),
      [true],
      "only the first page counts the rest",
    );
  } finally {
    spy.restore();
  }
});

test("a token without a usable count (an older server's, or not ours) is counted again", async () => {
  const first = await t.call("GET", `${NS}?limit=3`);
  assert.equal(first.status, 200, first.text);
  const total = (await t.call("GET", NS)).body.items.length as number;
  assert.ok(total > 6, "the first test made enough configmaps");
  const token = first.body.metadata.continue as string;
  for (const remaining of [undefined, -4, 1]) {
    const spy = spyCounts();
    try {
      const cont = encodeURIComponent(withRemaining(token, remaining));
      const r = await t.call("GET", `${NS}?limit=3&continue=${cont}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.items.length, 3);
      if (remaining === 1) {
        // Below what the page returns: dropped, and the next token carries none.
        assert.equal(r.body.metadata.remainingItemCount, undefined);
        assert.deepEqual(spy.asked, [false]);
        const next = JSON.parse(Buffer.from(r.body.metadata.continue, "base64").toString());
        assert.equal(next.remaining, undefined);
      } else {
        assert.equal(r.body.metadata.remainingItemCount, total - 6, String(remaining));
        assert.deepEqual(spy.asked, [true], String(remaining));
      }
    } finally {
      spy.restore();
    }
  }
});
