/**
 * The bootstrapsigner and tokencleaner controllers: pure signing rules by
 * table, then both controllers against an in-process API server with a fake
 * clock: tokens made as `kubectl create secret` would (stringData) get a
 * signature, a non-signing token and a misnamed Secret get none, a deleted
 * token's signature goes, and once the clock passes a token's expiration
 * its Secret is deleted and its signature removed.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { KObject } from "../../api/types.ts";
import { startTestServer, type TestServer } from "../../apiserver/testing/test-server.ts";
import { isNotFound } from "../../client/api-error.ts";
import { InformerFactory } from "../../client/informer/informer-factory.ts";
import { RestClient } from "../../client/rest-client.ts";
import { configMapsRef, secretsRef } from "../../client/resources.ts";
import { tokenSecret } from "../../ha/bootstrap-token.ts";
import { clusterInfoKubeconfig, verifyDetached } from "../../ha/cluster-info.ts";
import {
  BootstrapSignerController,
  nextExpiry,
  signedClusterInfoData,
} from "./bootstrap-signer.ts";
import { expiresIn, TokenCleanerController } from "./token-cleaner.ts";

const NOW = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
const tok = (id: string) => ({ id, secret: `${id}0123456789` });

/** A token Secret as `kubectl create secret generic --type bootstrap.kubernetes.io/token` makes it. */
function kubectlToken(
  id: string,
  extra: Record<string, string> = {},
  name = `bootstrap-token-${id}`,
): KObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "kube-system" },
    type: "bootstrap.kubernetes.io/token",
    stringData: {
      "token-id": id,
      "token-secret": tok(id).secret,
      "usage-bootstrap-signing": "true",
      "usage-bootstrap-authentication": "true",
      ...extra,
    },
  } as KObject;
}

test("signedClusterInfoData keeps other keys and signs only valid signing tokens", () => {
  const kubeconfig = "apiVersion: v1\nkind: Config\n";
  const secret = (id: string, o: Parameters<typeof tokenSecret>[1]) => tokenSecret(tok(id), o);
  const cases: { name: string; secrets: KObject[]; want: string[] }[] = [
    { name: "no tokens", secrets: [], want: [] },
    { name: "forever token", secrets: [secret("aaaaaa", { now: NOW })], want: ["aaaaaa"] },
    {
      name: "expired token",
      secrets: [secret("bbbbbb", { now: NOW - 10_000, ttlMs: 5_000 })],
      want: [],
    },
    {
      name: "live token with TTL",
      secrets: [secret("cccccc", { now: NOW, ttlMs: 60_000 })],
      want: ["cccccc"],
    },
    {
      name: "authentication-only token",
      secrets: [secret("dddddd", { now: NOW, usages: ["authentication"] })],
      want: [],
    },
    {
      name: "Secret not named after its id",
      secrets: [
        { ...secret("eeeeee", { now: NOW }), metadata: { name: "x", namespace: "kube-system" } },
      ],
      want: [],
    },
  ];
  for (const c of cases) {
    const data = { kubeconfig, other: "kept", "jws-kubeconfig-zzzzzz": "stale" };
    const got = signedClusterInfoData(data, c.secrets, NOW)!;
    assert.equal(got.other, "kept", c.name);
    assert.equal(got.kubeconfig, kubeconfig, c.name);
    const ids = Object.keys(got)
      .filter((k) => k.startsWith("jws-kubeconfig-"))
      .map((k) => k.slice("jws-kubeconfig-".length));
    assert.deepEqual(ids, c.want, c.name);
    for (const id of ids)
      assert.ok(verifyDetached(kubeconfig, got[`jws-kubeconfig-${id}`]!, tok(id)), c.name);
  }
  assert.equal(signedClusterInfoData({ other: "x" }, [], NOW), undefined);
});

test("expiry helpers: next wake-up and time left, unparseable counts as expired", () => {
  const withTtl = tokenSecret(tok("aaaaaa"), { now: NOW, ttlMs: 90_000 });
  const forever = tokenSecret(tok("bbbbbb"), { now: NOW });
  const bad = {
    ...forever,
    data: { ...(forever.data as object), expiration: Buffer.from("soon").toString("base64") },
  } as KObject;
  assert.equal(nextExpiry([withTtl, forever], NOW), 90_000);
  assert.equal(nextExpiry([forever], NOW), undefined);
  assert.equal(expiresIn(withTtl, NOW + 30_000), 60_000);
  assert.equal(expiresIn(forever, NOW), undefined);
  assert.equal(expiresIn(bad, NOW), 0);
});

let t: TestServer;
let client: RestClient;
let informers: InformerFactory;
const stop = new AbortController();
let running: Promise<unknown>;
const kubeconfig = clusterInfoKubeconfig("https://127.0.0.1:6443", "CA");

async function clusterInfo(): Promise<Record<string, string>> {
  const cm = await client.get<KObject & { data?: Record<string, string> }>(
    configMapsRef,
    "kube-public",
    "cluster-info",
  );
  return cm.data ?? {};
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < 3000; i++) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${what} never happened (${String(last)})`);
}

const signedIds = async () =>
  Object.keys(await clusterInfo())
    .filter((k) => k.startsWith("jws-kubeconfig-"))
    .sort()
    .join(",");

before(async () => {
  t = await startTestServer();
  client = new RestClient({ server: t.server.url });
  await client.create(configMapsRef, "kube-public", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cluster-info", namespace: "kube-public" },
    data: { kubeconfig, "k8ts-apiservers": "https://127.0.0.1:6443" },
  } as KObject);
  informers = new InformerFactory(client, { clock: t.clock });
  const ctx = { client, informers, clock: t.clock };
  const signer = new BootstrapSignerController(ctx);
  const cleaner = new TokenCleanerController(ctx);
  informers.start();
  running = Promise.all([signer.run(2, stop.signal), cleaner.run(2, stop.signal)]);
});

after(async () => {
  stop.abort();
  await running;
  await informers.stop();
  client.close();
  await t.close();
});

test("tokens created with kubectl are signed; deleted, expired and non-signing ones are not", async () => {
  await client.create(secretsRef, "kube-system", kubectlToken("aaaaaa"));
  await client.create(
    secretsRef,
    "kube-system",
    kubectlToken("bbbbbb", { expiration: iso(t.clock.now() + 60_000) }),
  );
  await client.create(
    secretsRef,
    "kube-system",
    kubectlToken("cccccc", { "usage-bootstrap-signing": "false" }),
  );
  await client.create(secretsRef, "kube-system", kubectlToken("dddddd", {}, "misnamed"));
  await client.create(
    secretsRef,
    "kube-system",
    kubectlToken("eeeeee", { expiration: iso(t.clock.now() - 1000) }),
  );
  await until("aaaaaa and bbbbbb signed", async () =>
    (await signedIds()) === "jws-kubeconfig-aaaaaa,jws-kubeconfig-bbbbbb" ? true : undefined,
  );
  const data = await clusterInfo();
  assert.equal(data["k8ts-apiservers"], "https://127.0.0.1:6443");
  assert.ok(verifyDetached(kubeconfig, data["jws-kubeconfig-aaaaaa"]!, tok("aaaaaa")));
  // The already expired token's Secret is deleted by the cleaner.
  await until("expired eeeeee deleted", () =>
    client.get(secretsRef, "kube-system", "bootstrap-token-eeeeee").then(
      () => undefined,
      (err) => (isNotFound(err) ? true : undefined),
    ),
  );

  await client.delete(secretsRef, "kube-system", "bootstrap-token-aaaaaa");
  await until("aaaaaa's signature removed", async () =>
    (await signedIds()) === "jws-kubeconfig-bbbbbb" ? true : undefined,
  );

  // A tampered signature is put right.
  await client.patch(configMapsRef, "kube-public", "cluster-info", "merge", {
    data: { "jws-kubeconfig-bbbbbb": "forged", "jws-kubeconfig-ffffff": "orphan" },
  });
  await until("signatures repaired", async () => {
    const d = await clusterInfo();
    return d["jws-kubeconfig-ffffff"] === undefined &&
      verifyDetached(kubeconfig, d["jws-kubeconfig-bbbbbb"] ?? "", tok("bbbbbb"))
      ? true
      : undefined;
  });

  // bbbbbb expires when the clock passes its expiration: Secret and signature go.
  t.clock.advance(61_000);
  await until("bbbbbb deleted and unsigned", async () => {
    const gone = await client.get(secretsRef, "kube-system", "bootstrap-token-bbbbbb").then(
      () => false,
      (err) => isNotFound(err),
    );
    return gone && (await signedIds()) === "" ? true : undefined;
  });
  // Non-bootstrap keys survive every pass; the non-signing and misnamed Secrets stay.
  assert.equal((await clusterInfo())["k8ts-apiservers"], "https://127.0.0.1:6443");
  await client.get(secretsRef, "kube-system", "bootstrap-token-cccccc");
  await client.get(secretsRef, "kube-system", "misnamed");
});
