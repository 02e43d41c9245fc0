import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatTtl,
  generateToken,
  InvalidTokenError,
  parseToken,
  tokenInfo,
  tokenSecret,
  DEFAULT_TOKEN_GROUP,
} from "./bootstrap-token.ts";

test("parseToken accepts id.secret and rejects everything else", () => {
  const cases: [string, boolean][] = [
    ["abcdef.0123456789abcdef", true],
    [" abcdef.0123456789abcdef\n", true],
    ["ABCDEF.0123456789abcdef", false],
    ["abcde.0123456789abcdef", false],
    ["abcdef.0123456789abcde", false],
    ["abcdef0123456789abcdef", false],
    ["", false],
  ];
  for (const [input, ok] of cases) {
    if (ok) assert.deepEqual(parseToken(input), { id: "abcdef", secret: "0123456789abcdef" });
    else assert.throws(() => parseToken(input), InvalidTokenError, input);
  }
});

test("generateToken makes distinct well-formed tokens", () => {
  const a = generateToken();
  const b = generateToken();
  assert.doesNotThrow(() => parseToken(`${a.id}.${a.secret}`));
  assert.notDeepEqual(a, b);
});

test("tokenSecret and tokenInfo round-trip", () => {
  const now = Date.UTC(2026, 0, 1);
  const cases = [
    { ttlMs: 3_600_000, groups: undefined, wantExp: "2026-01-01T01:00:00.000Z" },
    { ttlMs: 0, groups: ["system:bootstrappers:x"], wantExp: undefined },
  ];
  for (const c of cases) {
    const secret = tokenSecret(
      { id: "abcdef", secret: "0123456789abcdef" },
      { now, ttlMs: c.ttlMs, groups: c.groups, description: "d" },
    );
    assert.equal(secret.metadata?.name, "bootstrap-token-abcdef");
    assert.equal(secret.type, "bootstrap.kubernetes.io/token");
    const info = tokenInfo(secret)!;
    assert.equal(info.expiration?.toISOString(), c.wantExp);
    assert.deepEqual(info.usages, ["authentication", "signing"]);
    assert.deepEqual(info.groups, c.groups ?? [DEFAULT_TOKEN_GROUP]);
    assert.equal(info.description, "d");
  }
  assert.throws(
    () => tokenSecret({ id: "abcdef", secret: "0123456789abcdef" }, { now, groups: ["admins"] }),
    InvalidTokenError,
  );
  assert.equal(tokenInfo({ apiVersion: "v1", kind: "Secret", type: "Opaque" }), undefined);
});

test("formatTtl", () => {
  const now = 1_000_000_000;
  const cases: [number | undefined, string][] = [
    [undefined, "<forever>"],
    [now - 1, "<invalid>"],
    [now + 30_000, "30s"],
    [now + 5 * 60_000, "5m"],
    [now + 23.5 * 3_600_000, "23h"],
  ];
  for (const [exp, want] of cases)
    assert.equal(formatTtl(exp === undefined ? undefined : new Date(exp), now), want);
});
