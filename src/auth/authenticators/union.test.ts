import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { authenticateRequest, bearerToken } from "./union.ts";
import { parseTokenFile, tokenFileAuthenticator } from "./token-file.ts";
import { bootstrapTokenAuthenticator } from "./bootstrap-token.ts";

const req = (authorization?: string) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    socket: {},
  }) as unknown as IncomingMessage;

test("bearer header parsing", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "none"],
    ["Basic abc", "none"],
    ["Bearer abc", "token"],
    ["bearer abc", "token"],
    ["Bearer", "error"],
    ["Bearer a b", "error"],
  ];
  for (const [h, kind] of cases) assert.equal(bearerToken(h).kind, kind, String(h));
});

test("the chain: token file, bootstrap tokens, anonymous, errors never fall back to anonymous", async () => {
  const tokens = parseTokenFile('# comment\nt1,jane,u1,"a,b"\n\nt2,bob,u2\n');
  const secrets: Record<string, object> = {
    "bootstrap-token-abcdef": {
      type: "bootstrap.kubernetes.io/token",
      data: {
        "token-id": Buffer.from("abcdef").toString("base64"),
        "token-secret": Buffer.from("0123456789abcdef").toString("base64"),
        "usage-bootstrap-authentication": Buffer.from("true").toString("base64"),
        expiration: Buffer.from("2030-01-01T00:00:00Z").toString("base64"),
      },
    },
  };
  let now = Date.parse("2029-01-01T00:00:00Z");
  const chain = (anonymous: boolean) => ({
    request: [],
    tokens: [
      tokenFileAuthenticator(tokens),
      bootstrapTokenAuthenticator(
        async (n) => secrets[n] as never,
        () => now,
      ),
    ],
    anonymous,
  });
  const who = async (h: string | undefined, anonymous = false) => {
    const r = await authenticateRequest(chain(anonymous), req(h));
    return r.kind === "user" ? `${r.user.username} ${r.user.groups.join(",")}` : r.kind;
  };
  assert.equal(await who("Bearer t1"), "jane a,b,system:authenticated");
  assert.equal(await who("Bearer t2"), "bob system:authenticated");
  assert.equal(
    await who("Bearer abcdef.0123456789abcdef"),
    "system:bootstrap:abcdef system:bootstrappers,system:authenticated",
  );
  assert.equal(await who("Bearer nope"), "error");
  assert.equal(await who("Bearer nope", true), "error");
  assert.equal(await who(undefined), "none");
  assert.equal(await who(undefined, true), "system:anonymous system:unauthenticated");
  now = Date.parse("2031-01-01T00:00:00Z");
  assert.equal(await who("Bearer abcdef.0123456789abcdef"), "error");
  assert.throws(() => parseTokenFile("only,two\n"), /line 1/);
});
