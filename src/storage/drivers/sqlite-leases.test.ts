import { test } from "node:test";
import assert from "node:assert/strict";
import type { WatchEvent } from "../backend.ts";
import { SqliteLeases } from "./sqlite-leases.ts";
import type { WriteResult } from "./sqlite-writer.ts";

const put = (key: string, revision: number, expiresAt: number): WriteResult => ({
  revision,
  expiresAt,
  event: { type: "PUT", kv: { key } } as unknown as WatchEvent,
});
const del = (key: string, revision: number): WriteResult => ({
  revision,
  expiresAt: 0,
  event: { type: "DELETE", kv: { key } } as unknown as WatchEvent,
});

test("due: only expired keys, each with the revision that set its TTL, until its delete is recorded", () => {
  const leases = new SqliteLeases();
  leases.record([put("/a", 1, 300), put("/b", 2, 100), put("/c", 3, 200), put("/d", 4, 0)]);
  assert.equal(leases.size, 3);
  assert.deepEqual(leases.due(99), []);
  assert.deepEqual(leases.due(200), [
    { key: "/b", revision: 2 },
    { key: "/c", revision: 3 },
  ]);
  // Not deleted yet: still due at the next check.
  assert.deepEqual(
    leases.due(250).map((l) => l.key),
    ["/b", "/c"],
  );
  // /b is rewritten with a later TTL, /c deleted, /a loses its TTL.
  leases.record([put("/b", 5, 1000), del("/c", 6), put("/a", 7, 0)]);
  assert.deepEqual(leases.due(999), []);
  assert.deepEqual(leases.due(1000), [{ key: "/b", revision: 5 }]);
  assert.equal(leases.size, 1);
});
