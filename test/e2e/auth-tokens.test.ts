/**
 * Bearer-token revocation and expiry with the real curl and kubectl: bound
 * service-account tokens die with their pod or secret, legacy secret-based
 * tokens with their secret, bootstrap tokens when deleted or expired; JWTs
 * signed with the real key but expired or not yet valid and malformed
 * Authorization headers are 401 Status (never 500). Plus the AlwaysAllow and
 * AlwaysDeny modes (system:masters stays allowed, as upstream).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type TestCluster } from "./harness.ts";
import {
  DEFAULT_ISSUER,
  mintBoundToken,
  mintLegacyToken,
} from "../../src/auth/serviceaccount/tokens.ts";

/** Runs the real curl; returns the HTTP status and body. */
function curl(args: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-s", "-k", "-w", "\n%{http_code}", ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const i = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}

/** Asserts a 401 Unauthorized Status. */
function assertUnauthorized(r: { status: number; body: string }, what: string): void {
  assert.equal(r.status, 401, `${what}: ${r.body}`);
  const s = JSON.parse(r.body);
  assert.equal(s.kind, "Status", what);
  assert.equal(s.reason, "Unauthorized", what);
}

describe("token revocation, expiry and malformed credentials", () => {
  let cluster: TestCluster;
  let dir: string;
  const bearer = (token: string) => ["-H", `Authorization: Bearer ${token}`];
  const pods = () => `${cluster.url}/api/v1/namespaces/default/pods`;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-tokens-"));
    await writeFile(join(dir, "tokens.csv"), "sekret-ann,ann,u-9\n");
    cluster = await startCluster({
      args: ["--token-auth-file", join(dir, "tokens.csv"), "--disable-scheduler"],
    });
    await cluster.kubectlOk(["create", "serviceaccount", "rev"]);
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "rev-view",
      "--clusterrole=view",
      "--serviceaccount=default:rev",
    ]);
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a pod-bound token stops working when the pod is deleted", async () => {
    await cluster.kubectlOk(["run", "holder", "--image=busybox", "--restart=Never"]);
    const token = (
      await cluster.kubectlOk([
        "create",
        "token",
        "rev",
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "holder",
      ])
    ).trim();
    assert.equal((await curl([pods(), ...bearer(token)])).status, 200);
    await cluster.kubectlOk(["delete", "pod", "holder", "--grace-period=0", "--force"]);
    assertUnauthorized(await curl([pods(), ...bearer(token)]), "pod deleted");
  });

  test("a secret-bound token stops working when the secret is deleted", async () => {
    await cluster.kubectlOk(["create", "secret", "generic", "anchor", "--from-literal=a=b"]);
    const token = (
      await cluster.kubectlOk([
        "create",
        "token",
        "rev",
        "--bound-object-kind",
        "Secret",
        "--bound-object-name",
        "anchor",
      ])
    ).trim();
    assert.equal((await curl([pods(), ...bearer(token)])).status, 200);
    await cluster.kubectlOk(["delete", "secret", "anchor"]);
    assertUnauthorized(await curl([pods(), ...bearer(token)]), "secret deleted");
  });

  test("a legacy secret-based token works while its secret exists", async () => {
    const uid = (
      await cluster.kubectlOk(["get", "serviceaccount", "rev", "-o", "jsonpath={.metadata.uid}"])
    ).trim();
    const key = await readFile(join(cluster.dataDir, "tls", "sa.key"), "utf8");
    const token = mintLegacyToken(key, { namespace: "default", name: "rev", uid }, "rev-legacy");
    assertUnauthorized(await curl([pods(), ...bearer(token)]), "no secret yet");
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: "rev-legacy",
          annotations: { "kubernetes.io/service-account.name": "rev" },
        },
        type: "kubernetes.io/service-account-token",
      }),
    });
    const populated = JSON.parse(
      await cluster.kubectlOk(["get", "secret", "rev-legacy", "-o", "json"]),
    );
    assert.ok(populated.data?.token, "the API server fills in the legacy token");
    const issued = Buffer.from(populated.data.token, "base64").toString();
    assert.equal(Buffer.from(populated.data.namespace, "base64").toString(), "default");
    assert.match(Buffer.from(populated.data["ca.crt"], "base64").toString(), /BEGIN CERTIFICATE/);
    assert.equal(populated.metadata.annotations["kubernetes.io/service-account.uid"], uid);
    const who = await curl([
      `${cluster.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
      ...bearer(issued),
    ]);
    assert.equal(who.status, 201, who.body);
    assert.equal(
      JSON.parse(who.body).status.userInfo.username,
      "system:serviceaccount:default:rev",
    );
    assert.equal((await curl([pods(), ...bearer(issued)])).status, 200);
    assertUnauthorized(
      await curl([pods(), ...bearer(token)]),
      "a token that is not the secret's own is refused",
    );
    await cluster.kubectlOk(["delete", "secret", "rev-legacy"]);
    assertUnauthorized(await curl([pods(), ...bearer(issued)]), "legacy secret deleted");
  });

  test("JWTs signed with the real key but expired or not yet valid are 401", async () => {
    const uid = (
      await cluster.kubectlOk(["get", "serviceaccount", "rev", "-o", "jsonpath={.metadata.uid}"])
    ).trim();
    const key = await readFile(join(cluster.dataDir, "tls", "sa.key"), "utf8");
    const mint = (nowMs: number) =>
      mintBoundToken(key, DEFAULT_ISSUER, {
        nowMs,
        expirationSeconds: 3600,
        audiences: [DEFAULT_ISSUER],
        namespace: "default",
        serviceAccount: { name: "rev", uid },
      }).token;
    const hour = 3_600_000;
    assert.equal((await curl([pods(), ...bearer(mint(Date.now()))])).status, 200, "control");
    assertUnauthorized(await curl([pods(), ...bearer(mint(Date.now() - 2 * hour))]), "expired");
    assertUnauthorized(
      await curl([pods(), ...bearer(mint(Date.now() + 2 * hour))]),
      "not yet valid",
    );
    const [h, p] = mint(Date.now()).split(".");
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${p}.`;
    assertUnauthorized(await curl([pods(), ...bearer(none)]), "alg none");
    const swapped = `${h}.${Buffer.from(JSON.stringify({ iss: DEFAULT_ISSUER, sub: "system:admin" })).toString("base64url")}.${mint(Date.now()).split(".")[2]}`;
    assertUnauthorized(await curl([pods(), ...bearer(swapped)]), "payload swapped");
  });

  test("malformed Authorization headers are 401 Status", async () => {
    const cases: [string, string][] = [
      ["basic auth", "Authorization: Basic YW5uOnNla3JldA=="],
      ["bare scheme", "Authorization: Bearer"],
      ["no scheme", "Authorization: sekret-ann"],
      ["unknown scheme", "Authorization: Token sekret-ann"],
      ["non-ASCII token", "Authorization: Bearer s\u00e9kr\u00e9t-\u00e4nn"],
      ["huge token", `Authorization: Bearer ${"x".repeat(8000)}`],
      ["dots only", "Authorization: Bearer ..."],
      ["bad base64 JWT", "Authorization: Bearer !!!.@@@.###"],
    ];
    for (const [what, header] of cases)
      assertUnauthorized(await curl([pods(), "-H", header]), what);
    assert.equal((await curl([pods(), ...bearer("sekret-ann")])).status, 403, "control: ann");
  });

  test("bootstrap tokens stop working when deleted or expired", async () => {
    const secret = (id: string, extra: Record<string, string> = {}) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `bootstrap-token-${id}`, namespace: "kube-system" },
        type: "bootstrap.kubernetes.io/token",
        stringData: {
          "token-id": id,
          "token-secret": "0123456789abcdef",
          "usage-bootstrap-authentication": "true",
          ...extra,
        },
      });
    const nodes = `${cluster.url}/apis/certificates.k8s.io/v1/certificatesigningrequests`;
    await cluster.kubectlOk(["apply", "-f", "-"], { input: secret("aaaaaa") });
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: secret("bbbbbb", { expiration: "2020-01-01T00:00:00Z" }),
    });
    assert.equal((await curl([nodes, ...bearer("aaaaaa.0123456789abcdef")])).status, 200);
    assertUnauthorized(await curl([nodes, ...bearer("bbbbbb.0123456789abcdef")]), "expired");
    await cluster.kubectlOk(["delete", "secret", "bootstrap-token-aaaaaa", "-n", "kube-system"]);
    assertUnauthorized(await curl([nodes, ...bearer("aaaaaa.0123456789abcdef")]), "deleted");
  });
});

for (const mode of ["AlwaysAllow", "AlwaysDeny"] as const) {
  describe(`--authorization-mode ${mode}`, () => {
    let cluster: TestCluster;
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "k8ts-mode-"));
      await writeFile(join(dir, "tokens.csv"), "sekret-zed,zed,u-7\n");
      cluster = await startCluster({
        args: [
          "--authorization-mode",
          mode,
          "--token-auth-file",
          join(dir, "tokens.csv"),
          "--disable-scheduler",
          "--disable-controller-manager",
        ],
      });
    });
    after(async () => {
      await cluster?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    test(`${mode}: an ordinary user is ${mode === "AlwaysAllow" ? "allowed" : "forbidden"}; system:masters always allowed`, async () => {
      const zed = ["-H", "Authorization: Bearer sekret-zed"];
      const r = await curl([`${cluster.url}/api/v1/namespaces/kube-system/secrets`, ...zed]);
      if (mode === "AlwaysAllow") {
        assert.equal(r.status, 200, r.body);
      } else {
        assert.equal(r.status, 403, r.body);
        const s = JSON.parse(r.body);
        assert.equal(s.reason, "Forbidden");
        assert.equal(
          s.message,
          'secrets is forbidden: User "zed" cannot list resource "secrets" in API group "" in the namespace "kube-system": Everything is forbidden.',
        );
      }
      const review = JSON.parse(
        await cluster.kubectlOk(["create", "-o", "json", "-f", "-"], {
          input: JSON.stringify({
            apiVersion: "authorization.k8s.io/v1",
            kind: "SubjectAccessReview",
            spec: { user: "zed", resourceAttributes: { verb: "delete", resource: "nodes" } },
          }),
        }),
      );
      assert.equal(review.status.allowed, mode === "AlwaysAllow");
      if (mode === "AlwaysDeny") assert.equal(review.status.denied, true);
      assert.equal(
        (await cluster.kubectl(["get", "secrets", "-n", "kube-system"])).code,
        0,
        "the admin (system:masters) is allowed whatever the mode",
      );
    });
  });
}
