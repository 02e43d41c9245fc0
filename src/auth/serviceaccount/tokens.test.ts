import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import type { KObject } from "../../api/types.ts";
import { publicKeysFromPem } from "./jwt.ts";
import { mintBoundToken, mintLegacyToken, ServiceAccountTokenAuthenticator } from "./tokens.ts";

const ISSUER = "https://kubernetes.default.svc.cluster.local";

for (const type of ["ec", "rsa"] as const) {
  test(`bound and legacy tokens (${type}): expiry, audience, bound objects, signature`, async () => {
    const { privateKey, publicKey } =
      type === "ec"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const objects = new Map<string, KObject>([
      ["ServiceAccount/ns/bot", { metadata: { uid: "sa-1" } }],
      ["Pod/ns/p", { metadata: { uid: "pod-1" } }],
      ["Secret/ns/bot-token", { metadata: { uid: "s-1" } }],
    ]);
    let now = 1_000_000_000_000;
    const auth = new ServiceAccountTokenAuthenticator({
      publicKeys: publicKeysFromPem(publicKey.export({ type: "spki", format: "pem" }) as string),
      issuers: [ISSUER],
      audiences: [ISSUER],
      lookup: true,
      getObject: async (kind, ns, name) => objects.get(`${kind}/${ns}/${name}`),
      now: () => now,
    });
    const mint = (aud: string[], bound?: { kind: "Pod"; name: string; uid: string }) =>
      mintBoundToken(keyPem, ISSUER, {
        namespace: "ns",
        serviceAccount: { name: "bot", uid: "sa-1" },
        audiences: aud,
        expirationSeconds: 3600,
        bound,
        nowMs: now,
      }).token;
    const good = mint([ISSUER], { kind: "Pod", name: "p", uid: "pod-1" });
    const r = await auth.authenticateToken(good);
    assert.equal(r.kind, "user");
    if (r.kind === "user") {
      assert.equal(r.user.username, "system:serviceaccount:ns:bot");
      assert.deepEqual(r.user.extra?.["authentication.kubernetes.io/pod-name"], ["p"]);
    }
    assert.equal((await auth.authenticateToken(mint(["other"]))).kind, "error");
    assert.equal((await auth.authenticateToken(mint(["other"]), ["other"])).kind, "user");
    assert.equal((await auth.authenticateToken(good.slice(0, -3) + "abc")).kind, "error");
    assert.equal((await auth.authenticateToken("not-a-jwt")).kind, "none");
    const legacy = mintLegacyToken(
      keyPem,
      { namespace: "ns", name: "bot", uid: "sa-1" },
      "bot-token",
    );
    assert.equal(
      (await auth.authenticateToken(legacy)).kind,
      "error",
      "the secret does not hold this token",
    );
    objects.set("Secret/ns/bot-token", {
      metadata: { uid: "s-1" },
      data: { token: Buffer.from(legacy).toString("base64") },
    } as KObject);
    assert.equal((await auth.authenticateToken(legacy)).kind, "user");
    objects.delete("Pod/ns/p");
    assert.equal((await auth.authenticateToken(good)).kind, "error");
    objects.set("Pod/ns/p", { metadata: { uid: "pod-1" } });
    now += 3601_000;
    assert.equal((await auth.authenticateToken(good)).kind, "error");
    objects.delete("Secret/ns/bot-token");
    assert.equal((await auth.authenticateToken(legacy)).kind, "error");
  });
}
