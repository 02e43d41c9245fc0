import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { builtinProfiles, loadProfile, makeProfile } from "./profile.ts";

test("loadProfile: built-in names and files", () => {
  assert.equal(loadProfile("fast").startDelayMs, 0);
  assert.ok(loadProfile("realistic").startDelayMs > 0);
  const dir = mkdtempSync(join(tmpdir(), "k8ts-profile-"));
  try {
    const file = join(dir, "p.yaml");
    writeFileSync(file, "base: realistic\njobDurationMs: 42\nzones: [z1]\n");
    const p = loadProfile(file);
    assert.equal(p.jobDurationMs, 42);
    assert.deepEqual(p.zones, ["z1"]);
    assert.equal(p.sandboxDelayMs, builtinProfiles.realistic!.sandboxDelayMs);
    writeFileSync(file, "base: nope\n");
    assert.throws(() => loadProfile(file), /unknown base nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => loadProfile("/nonexistent/profile.yaml"), /Cannot load profile/);
});

test("makeProfile rejects bad fields", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ bogus: 1 }, /unknown field bogus/],
    [{ startDelayMs: "1" }, /must be a number/],
    [{ startDelayMs: -1 }, /non-negative/],
    [{ zones: [] }, /zones/],
    [{ events: 1 }, /must be a boolean/],
  ];
  for (const [over, re] of bad) assert.throws(() => makeProfile(over), re);
  assert.equal(makeProfile({ cpuCores: 10 }).cpuCores, 10);
});
