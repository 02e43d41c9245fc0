import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_VALUE_BYTES, type Backend } from "./backend.ts";
import { expectStorageError, WatchReader } from "./testing/watch-reader.ts";
import { watchConformance } from "./testing/conformance-watch.ts";
import {
  eachCase,
  type ConformanceFixture,
  type MakeBackend,
} from "./testing/conformance-fixture.ts";

export type { ConformanceFixture, MakeBackend };

/**
 * Registers node:test cases for every Backend semantic. Every driver's test
 * file calls this once; all drivers must pass the same cases. Each case uses its
 * own key prefix, so a driver may share one store (one etcd) between cases.
 */
export function backendConformance(makeBackend: MakeBackend): void {
  describe("Backend conformance: keys and revisions", () => {
    let fx: ConformanceFixture;
    let b: Backend;
    let p: string;
    eachCase(makeBackend, "kv", (f, prefix) => {
      fx = f;
      b = f.backend;
      p = prefix;
    });

    test("revisions increase strictly and track create/mod revisions", async () => {
      const start = await b.currentRevision();
      const a = await b.create(`${p}a`, "1");
      const c = await b.create(`${p}c`, "1");
      const a2 = await b.update(`${p}a`, "2", a.modRevision);
      const del = await b.delete(`${p}c`);
      const revs = [a.modRevision, c.modRevision, a2.modRevision, del.revision];
      assert.ok(revs[0] > start, "first write is after the starting revision");
      for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `revisions ${revs}`);
      assert.equal(a.createRevision, a.modRevision);
      assert.equal(a2.createRevision, a.createRevision);
      assert.deepEqual(del.prevKv, { ...c, key: `${p}c` });
      assert.equal(await b.currentRevision(), del.revision);
      // Re-creating a deleted key starts a new create revision.
      const c2 = await b.create(`${p}c`, "again");
      assert.equal(c2.createRevision, c2.modRevision);
      assert.ok(c2.createRevision > del.revision);
    });

    test("get reads the latest value and values at older revisions", async () => {
      const k = `${p}k`;
      const v1 = await b.create(k, "v1");
      const v2 = await b.update(k, "v2", v1.modRevision);
      const del = await b.delete(k, v2.modRevision);
      const cases: Array<[number | undefined, string | undefined]> = [
        [v1.modRevision, "v1"],
        [v2.modRevision, "v2"],
        [del.revision, undefined],
        [undefined, undefined],
      ];
      for (const [revision, want] of cases) {
        const got = await b.get(k, { revision });
        assert.equal(got.kv?.value, want, `get at ${revision}`);
        assert.ok(got.revision >= (revision ?? del.revision));
      }
      const old = await b.get(k, { revision: v2.modRevision });
      assert.deepEqual(old.kv, {
        key: k,
        value: "v2",
        createRevision: v1.modRevision,
        modRevision: v2.modRevision,
      });
      const latest = await b.get(`${p}missing`);
      assert.equal(latest.kv, undefined);
      assert.equal(latest.revision, await b.currentRevision());
    });

    test("get and list at a future revision fail with FutureRevision", async () => {
      await b.create(`${p}x`, "1");
      const future = (await b.currentRevision()) + 1000;
      await expectStorageError(() => b.get(`${p}x`, { revision: future }), "FutureRevision");
      await expectStorageError(() => b.list(p, { revision: future }), "FutureRevision");
    });

    test("list pages by prefix with limit, after, and one consistent revision", async () => {
      const names = ["a", "b", "c", "d", "e"];
      const orig = new Map<string, number>();
      for (const n of names)
        orig.set(`${p}${n}`, (await b.create(`${p}${n}`, `v-${n}`)).modRevision);
      await b.create(`${p.slice(0, -1)}-outside`, "x");
      await b.create(`${p}`.replace(/\/$/, "0"), "x");

      const first = await b.list(p, { limit: 2, countRemaining: true });
      assert.deepEqual(
        first.kvs.map((kv) => kv.key),
        [`${p}a`, `${p}b`],
      );
      assert.equal(first.more, true);
      if (first.remaining !== undefined) assert.equal(first.remaining, 3);
      const rev = first.revision;

      // Writes between pages must be invisible when the first page's revision is passed.
      await b.update(`${p}c`, "changed", orig.get(`${p}c`)!);
      await b.delete(`${p}d`);
      await b.create(`${p}bb`, "new");

      const seen = [...first.kvs];
      let page = first;
      while (page.more) {
        page = await b.list(p, { limit: 2, after: page.kvs.at(-1)!.key, revision: rev });
        assert.equal(page.revision, rev);
        assert.ok(page.kvs.length <= 2);
        seen.push(...page.kvs);
      }
      assert.deepEqual(
        seen.map((kv) => [kv.key, kv.value, kv.modRevision]),
        names.map((n) => [`${p}${n}`, `v-${n}`, orig.get(`${p}${n}`)]),
      );

      const latest = await b.list(p);
      assert.equal(latest.more, false);
      assert.deepEqual(
        latest.kvs.map((kv) => [kv.key, kv.value]),
        [
          [`${p}a`, "v-a"],
          [`${p}b`, "v-b"],
          [`${p}bb`, "new"],
          [`${p}c`, "changed"],
          [`${p}e`, "v-e"],
        ],
      );
      assert.equal(latest.revision, await b.currentRevision());
      const tail = await b.list(p, { after: `${p}c` });
      assert.deepEqual(
        tail.kvs.map((kv) => kv.key),
        [`${p}e`],
      );
      const none = await b.list(`${p}zzz/`);
      assert.deepEqual(none, { revision: latest.revision, kvs: [], more: false });
    });

    test("keys are ordered by their UTF-8 bytes, and pages follow that order", async () => {
      // U+FF01 sorts before U+1F600 by code point, after it by UTF-16 unit.
      const names = ["a", "b\u{1F600}", "b\uFF01", "c", "\u00e9"];
      for (const n of names) await b.create(`${p}${n}`, n);
      const bytes = (k: string) => Buffer.from(k);
      const want = names.map((n) => `${p}${n}`).sort((x, y) => Buffer.compare(bytes(x), bytes(y)));
      assert.deepEqual(
        (await b.list(p)).kvs.map((kv) => kv.key),
        want,
      );
      for (let limit = 1; limit <= names.length; limit++) {
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await b.list(p, { limit, after });
          seen.push(...page.kvs.map((kv) => kv.key));
          if (!page.more) break;
          after = page.kvs.at(-1)!.key;
        }
        assert.deepEqual(seen, want, `pages of ${limit}`);
      }
    });

    test("list edge cases: exact limit, continuation keys outside the prefix", async () => {
      for (const n of ["a", "b", "c"]) await b.create(`${p}${n}`, n);
      const exact = await b.list(p, { limit: 3 });
      assert.equal(exact.kvs.length, 3);
      assert.equal(exact.more, false);
      const before = await b.list(p, { after: "/", limit: 1 });
      assert.deepEqual(
        before.kvs.map((kv) => kv.key),
        [`${p}a`],
      );
      assert.equal(before.more, true);
      const beyond = await b.list(p, { after: `${p}~` });
      assert.deepEqual(beyond.kvs, []);
      assert.equal(beyond.more, false);
      const atLatest = await b.list(p, { revision: await b.currentRevision() });
      assert.equal(atLatest.kvs.length, 3);
    });

    test("keys and values round-trip exactly", async () => {
      const values = [
        "",
        '{"a":"quote \\" and \\\\ backslash"}',
        "line\nbreak\ttab",
        "héllo wörld ☃ 😀",
        "x".repeat(300_000),
      ];
      for (const [i, value] of values.entries()) {
        const key = `${p}ключ-${i}-☃`;
        const kv = await b.create(key, value);
        assert.equal(kv.value, value);
        const got = await b.get(key);
        assert.equal(got.kv?.value, value, `value ${i}`);
        assert.equal(got.kv?.key, key);
      }
      const listed = await b.list(p);
      assert.deepEqual(
        listed.kvs.map((kv) => kv.value),
        values,
      );
    });

    test("count counts live keys under a prefix", async () => {
      for (const n of ["a", "b", "c"]) await b.create(`${p}${n}`, "1");
      await b.create(`${p.slice(0, -1)}x`, "outside");
      assert.equal((await b.count(p)).count, 3);
      await b.delete(`${p}b`);
      const after = await b.count(p);
      assert.equal(after.count, 2);
      assert.equal(after.revision, await b.currentRevision());
    });

    test("create on an existing key fails with KeyExists and writes nothing", async () => {
      const kv = await b.create(`${p}k`, "v1");
      const rev = await b.currentRevision();
      const err = await expectStorageError(() => b.create(`${p}k`, "v2"), "KeyExists");
      assert.equal(err.key, `${p}k`);
      assert.equal(await b.currentRevision(), rev);
      assert.deepEqual((await b.get(`${p}k`)).kv, kv);
    });

    test("stale or missing compare-and-swap fails typed and writes nothing", async () => {
      const kv = await b.create(`${p}k`, "v1");
      const kv2 = await b.update(`${p}k`, "v2", kv.modRevision);
      const rev = await b.currentRevision();
      const conflict = await expectStorageError(
        () => b.update(`${p}k`, "v3", kv.modRevision),
        "Conflict",
      );
      assert.deepEqual(conflict.current, kv2);
      await expectStorageError(() => b.delete(`${p}k`, kv.modRevision), "Conflict");
      await expectStorageError(() => b.update(`${p}none`, "v", 1), "KeyNotFound");
      await expectStorageError(() => b.delete(`${p}none`), "KeyNotFound");
      await expectStorageError(() => b.delete(`${p}none`, 5), "KeyNotFound");
      assert.equal(await b.currentRevision(), rev);
      assert.deepEqual((await b.get(`${p}k`)).kv, kv2);
      const del = await b.delete(`${p}k`, kv2.modRevision);
      assert.deepEqual(del.prevKv, kv2);
    });

    test("concurrent compare-and-swap on one key lets exactly one writer win", async () => {
      const kv = await b.create(`${p}k`, "0");
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => b.update(`${p}k`, `w${i}`, kv.modRevision)),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1);
      for (const r of results) {
        if (r.status === "rejected") assert.equal((r.reason as { code?: string }).code, "Conflict");
      }
      const winner = (won[0] as PromiseFulfilledResult<{ value: string }>).value.value;
      assert.equal((await b.get(`${p}k`)).kv?.value, winner);
    });

    test("bad input fails with a typed error and writes nothing", async () => {
      const big = "x".repeat(MAX_VALUE_BYTES + 1);
      const wide = "é".repeat(Math.ceil((MAX_VALUE_BYTES + 2) / 2)); // few chars, many bytes
      const existing = await b.create(`${p}exists`, "v");
      const rev = await b.currentRevision();
      const cases: Array<[string, () => Promise<unknown>, "InvalidArgument" | "TooLarge"]> = [
        ["numeric key", () => b.create(42 as unknown as string, "v"), "InvalidArgument"],
        ["empty key", () => b.create("", "v"), "InvalidArgument"],
        [
          "object value",
          () => b.create(`${p}obj`, { a: 1 } as unknown as string),
          "InvalidArgument",
        ],
        [
          "undefined value",
          () => b.create(`${p}u`, undefined as unknown as string),
          "InvalidArgument",
        ],
        ["value over the limit", () => b.create(`${p}big`, big), "TooLarge"],
        ["multi-byte value over the limit", () => b.create(`${p}wide`, wide), "TooLarge"],
        [
          "update over the limit",
          () => b.update(`${p}exists`, big, existing.modRevision),
          "TooLarge",
        ],
        [
          "update numeric value",
          () => b.update(`${p}exists`, 7 as unknown as string, existing.modRevision),
          "InvalidArgument",
        ],
        ["get numeric key", () => b.get(7 as unknown as string), "InvalidArgument"],
        ["list numeric prefix", () => b.list(7 as unknown as string), "InvalidArgument"],
        ["negative ttl", () => b.create(`${p}ttl`, "v", { ttlSeconds: -1 }), "InvalidArgument"],
      ];
      for (const [name, fn, code] of cases) {
        await assert.doesNotReject(expectStorageError(fn, code), name);
      }
      assert.equal(await b.currentRevision(), rev);
      const listed = await b.list(p);
      assert.deepEqual(listed.kvs, [existing]);
      // A large value under the limit is accepted.
      const mib = await b.create(`${p}mib`, "y".repeat(1024 * 1024));
      assert.equal((await b.get(`${p}mib`)).kv?.value.length, 1024 * 1024);
      assert.ok(mib.modRevision > rev);
    });

    test("keys with a TTL expire with a DELETE event; others stay", async () => {
      const ttl = fx.advanceClock ? 30 : 1;
      const keep = await b.create(`${p}keep`, "v");
      const watcher = b.watch(p, { startRevision: (await b.currentRevision()) + 1 });
      const reader = new WatchReader(watcher);
      const leased = await b.create(`${p}leased`, "v", { ttlSeconds: ttl });
      if (fx.advanceClock) {
        await fx.advanceClock(ttl - 1);
        assert.equal((await b.get(`${p}leased`)).kv?.value, "v", "not expired before its TTL");
        await fx.advanceClock(2);
      }
      const [put, del] = await reader.take(2);
      watcher.cancel();
      assert.equal(put.type, "PUT");
      assert.equal(del.type, "DELETE");
      assert.equal(del.kv.key, `${p}leased`);
      assert.ok(del.kv.modRevision > leased.modRevision);
      assert.deepEqual(del.prevKv, leased);
      assert.equal((await b.get(`${p}leased`)).kv, undefined);
      assert.deepEqual((await b.get(`${p}keep`)).kv, keep);
    });
  });

  watchConformance(makeBackend);
}
