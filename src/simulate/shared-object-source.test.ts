import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../client/clock.ts";
import { sharedObjectSource } from "./shared-object-source.ts";

test("sharedObjectSource: one read per object per TTL, shared by concurrent readers, failures not kept", async () => {
  const clock = new FakeClock(0);
  const reads: string[] = [];
  let fail = false;
  const src = sharedObjectSource(
    {
      async configMap(ns, name) {
        reads.push(`cm/${ns}/${name}`);
        if (fail) throw new Error("boom");
        return { "ca.crt": `${ns}-${reads.length}` };
      },
      async secret(ns, name) {
        reads.push(`secret/${ns}/${name}`);
        return undefined;
      },
    },
    clock,
    30_000,
  );
  const [a, b] = await Promise.all([src.configMap("ns1", "root"), src.configMap("ns1", "root")]);
  assert.deepEqual(a, { "ca.crt": "ns1-1" });
  assert.equal(b, a, "concurrent readers share one read");
  assert.equal(await src.secret("ns1", "root"), undefined, "kinds are cached apart");
  await src.configMap("ns2", "root");
  assert.deepEqual(reads, ["cm/ns1/root", "secret/ns1/root", "cm/ns2/root"]);
  clock.advance(29_999);
  await src.configMap("ns1", "root");
  assert.equal(reads.length, 3, "still fresh");
  clock.advance(1);
  fail = true;
  await assert.rejects(src.configMap("ns1", "root"), /boom/);
  fail = false;
  assert.deepEqual(
    await src.configMap("ns1", "root"),
    { "ca.crt": "ns1-5" },
    "failure was not cached",
  );
  assert.equal(reads.length, 5);
});
