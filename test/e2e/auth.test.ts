/**
 * Authentication and authorization end to end: the real curl and kubectl
 * against `k8ts server` with its secure defaults (x509, service-account
 * tokens, Node,RBAC, anonymous off) plus a static token file.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCluster, type TestCluster } from "./harness.ts";
import { signCertificate } from "../../src/pki/sign.ts";
import { issueCertificate } from "../../src/pki/self-signed.ts";
import { generateKeyPairSync } from "node:crypto";

interface CurlResult {
  status: number;
  body: string;
}

/** Runs the real curl; returns the HTTP status and body. */
function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-s", "-k", "-w", "\n%{http_code}", ...args], (err, stdout) => {
      if (err && !stdout) return reject(err);
      const i = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}

describe("authentication and authorization (secure defaults)", () => {
  let cluster: TestCluster;
  let dir: string;
  let url: string;
  const tls = () => join(cluster.dataDir, "tls");

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-auth-"));
    await writeFile(
      join(dir, "tokens.csv"),
      'sekret-jane,jane,u-1,"devs,qa"\nsekret-bob,bob,u-2\n',
    );
    cluster = await startCluster({ args: ["--token-auth-file", join(dir, "tokens.csv")] });
    url = cluster.url;
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test("the classic curl with the admin certificate lists pods", async () => {
    const r = await curl([
      `${url}/api/v1/pods`,
      "--key",
      join(tls(), "admin.key"),
      "--cert",
      join(tls(), "admin.crt"),
      "--cacert",
      join(tls(), "ca.crt"),
    ]);
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).kind, "PodList");
  });

  test("bad or missing credentials are 401 Status, never 500", async () => {
    const otherCa = await issueCertificate({ commonName: "other-ca", usage: "ca" });
    const stranger = await issueCertificate({
      commonName: "mallory",
      usage: "client",
      signer: otherCa,
    });
    const caPem = await readFile(join(tls(), "ca.crt"), "utf8");
    const caKey = await readFile(join(tls(), "ca.key"), "utf8");
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spkiDer = publicKey.export({ type: "spki", format: "der" });
    const expired = signCertificate({
      spkiDer,
      subject: { commonName: "old" },
      usage: "client",
      signer: { certPem: caPem, keyPem: caKey },
      notBefore: new Date("2020-01-01T00:00:00Z"),
      notAfter: new Date("2021-01-01T00:00:00Z"),
    });
    const future = signCertificate({
      spkiDer,
      subject: { commonName: "future" },
      usage: "client",
      signer: { certPem: caPem, keyPem: caKey },
      notBefore: new Date("2090-01-01T00:00:00Z"),
      notAfter: new Date("2091-01-01T00:00:00Z"),
    });
    const serverOnly = signCertificate({
      spkiDer,
      subject: { commonName: "srv" },
      usage: "server",
      signer: { certPem: caPem, keyPem: caKey },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const keyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const files: Record<string, string> = {
      "stranger.crt": stranger.certPem,
      "stranger.key": stranger.keyPem,
      "expired.crt": expired,
      "future.crt": future,
      "server.crt": serverOnly,
      "k.key": keyPem,
    };
    for (const [n, c] of Object.entries(files)) await writeFile(join(dir, n), c);
    const cases: [string, string[]][] = [
      ["no credentials", []],
      ["unknown token", ["-H", "Authorization: Bearer nope"]],
      ["empty bearer", ["-H", "Authorization: Bearer "]],
      ["tampered JWT", ["-H", "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"]],
      ["malformed JWT", ["-H", "Authorization: Bearer a.b.c"]],
      ["unknown bootstrap token", ["-H", "Authorization: Bearer abcdef.0123456789abcdef"]],
      ["wrong CA", ["--cert", join(dir, "stranger.crt"), "--key", join(dir, "stranger.key")]],
      ["expired", ["--cert", join(dir, "expired.crt"), "--key", join(dir, "k.key")]],
      ["not yet valid", ["--cert", join(dir, "future.crt"), "--key", join(dir, "k.key")]],
      ["serverAuth-only usage", ["--cert", join(dir, "server.crt"), "--key", join(dir, "k.key")]],
    ];
    for (const [name, args] of cases) {
      const r = await curl([`${url}/api/v1/namespaces/default/pods`, ...args]);
      assert.equal(r.status, 401, `${name}: ${r.body}`);
      const status = JSON.parse(r.body);
      assert.equal(status.kind, "Status", name);
      assert.equal(status.reason, "Unauthorized", name);
      assert.equal(status.message, "Unauthorized", name);
    }
  });

  test("token file users: identity, groups, upstream Forbidden message, then a RoleBinding", async () => {
    const jane = ["-H", "Authorization: Bearer sekret-jane"];
    const who = await curl([
      `${url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      ...jane,
      "-X",
      "POST",
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
    ]);
    assert.equal(who.status, 201, who.body);
    assert.deepEqual(JSON.parse(who.body).status.userInfo, {
      username: "jane",
      uid: "u-1",
      groups: ["devs", "qa", "system:authenticated"],
    });
    const denied = await curl([`${url}/api/v1/namespaces/default/pods`, ...jane]);
    assert.equal(denied.status, 403);
    assert.equal(
      JSON.parse(denied.body).message,
      'pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    const node = await curl([`${url}/api/v1/nodes/n1`, ...jane]);
    assert.equal(
      JSON.parse(node.body).message,
      'nodes "n1" is forbidden: User "jane" cannot get resource "nodes" in API group "" at the cluster scope',
    );
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "jane-view",
      "--clusterrole=view",
      "--user=jane",
    ]);
    const allowed = await curl([`${url}/api/v1/namespaces/default/pods`, ...jane]);
    assert.equal(allowed.status, 200, allowed.body);
    const other = await curl([`${url}/api/v1/namespaces/kube-system/pods`, ...jane]);
    assert.equal(other.status, 403);
  });

  test("kubectl auth can-i answers as upstream RBAC (matrix, --as, --list)", async () => {
    await cluster.kubectlOk(["create", "namespace", "team"]);
    await cluster.kubectlOk([
      "create",
      "role",
      "pod-reader",
      "-n",
      "team",
      "--verb=get,list",
      "--resource=pods",
    ]);
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "bob-reads",
      "-n",
      "team",
      "--role=pod-reader",
      "--user=bob",
    ]);
    await cluster.kubectlOk([
      "create",
      "clusterrolebinding",
      "qa-edit",
      "--clusterrole=edit",
      "--group=qa",
    ]);
    const matrix: [string[], boolean][] = [
      [["get", "pods", "-n", "team", "--as", "bob"], true],
      [["list", "pods", "-n", "team", "--as", "bob"], true],
      [["delete", "pods", "-n", "team", "--as", "bob"], false],
      [["get", "pods", "-n", "default", "--as", "bob"], false],
      [["get", "pods", "--subresource=log", "-n", "team", "--as", "bob"], false],
      [["get", "pods/log", "-n", "team", "--as", "bob"], true], // a pod named "log"
      [["create", "deployments.apps", "-n", "team", "--as", "carol", "--as-group", "qa"], true],
      [["get", "secrets", "-n", "team", "--as", "carol", "--as-group", "qa"], true],
      [["create", "roles", "-n", "team", "--as", "carol", "--as-group", "qa"], false],
      [["list", "nodes", "--as", "carol", "--as-group", "qa"], false],
      [["get", "/healthz", "--as", "nobody"], true],
      [["get", "/metrics", "--as", "nobody"], false],
      [["*", "*", "--as", "root", "--as-group", "system:masters"], true],
      [["create", "selfsubjectaccessreviews.authorization.k8s.io", "--as", "nobody"], true],
    ];
    for (const [args, want] of matrix) {
      const r = await cluster.kubectl(["auth", "can-i", ...args]);
      assert.equal(
        r.stdout.trim().split(/\s/)[0],
        want ? "yes" : "no",
        `${args.join(" ")}: ${r.stderr}`,
      );
      assert.equal(r.code, want ? 0 : 1, args.join(" "));
    }
    const list = await cluster.kubectlOk(["auth", "can-i", "--list", "-n", "team", "--as", "bob"]);
    assert.match(list, /pods\s+\[\]\s+\[\]\s+\[get list\]/);
    assert.match(list, /selfsubjectaccessreviews\.authorization\.k8s\.io/);
  });

  test("impersonation needs the impersonate verb", async () => {
    const asBob = await curl([
      `${url}/api/v1/namespaces/team/pods`,
      "-H",
      "Authorization: Bearer sekret-jane",
      "-H",
      "Impersonate-User: bob",
    ]);
    assert.equal(asBob.status, 403);
    assert.equal(
      JSON.parse(asBob.body).message,
      'users "bob" is forbidden: User "jane" cannot impersonate resource "users" in API group "" at the cluster scope',
    );
    await cluster.kubectlOk([
      "create",
      "clusterrole",
      "impersonator",
      "--verb=impersonate",
      "--resource=users",
    ]);
    await cluster.kubectlOk([
      "create",
      "clusterrolebinding",
      "jane-imp",
      "--clusterrole=impersonator",
      "--user=jane",
    ]);
    const ok = await curl([
      `${url}/api/v1/namespaces/team/pods`,
      "-H",
      "Authorization: Bearer sekret-jane",
      "-H",
      "Impersonate-User: bob",
    ]);
    assert.equal(ok.status, 200, ok.body);
    const who = await cluster.kubectlOk(["auth", "whoami", "--as", "bob", "-o", "json"]);
    assert.equal(JSON.parse(who).status.userInfo.username, "bob");
  });

  test("service-account tokens: kubectl create token, audiences, TokenReview, invalid once deleted", async () => {
    await cluster.kubectlOk(["create", "serviceaccount", "bot", "-n", "team"]);
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "bot-view",
      "-n",
      "team",
      "--clusterrole=view",
      "--serviceaccount=team:bot",
    ]);
    const token = (await cluster.kubectlOk(["create", "token", "bot", "-n", "team"])).trim();
    const bearer = ["-H", `Authorization: Bearer ${token}`];
    const ok = await curl([`${url}/api/v1/namespaces/team/pods`, ...bearer]);
    assert.equal(ok.status, 200, ok.body);
    const review = JSON.parse(
      await cluster.kubectlOk(["create", "-o", "json", "-f", "-"], {
        input: JSON.stringify({
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenReview",
          spec: { token },
        }),
      }),
    );
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user.username, "system:serviceaccount:team:bot");
    const otherAud = (
      await cluster.kubectlOk(["create", "token", "bot", "-n", "team", "--audience", "vault"])
    ).trim();
    const wrongAud = await curl([
      `${url}/api/v1/namespaces/team/pods`,
      "-H",
      `Authorization: Bearer ${otherAud}`,
    ]);
    assert.equal(wrongAud.status, 401);
    const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    assert.equal(
      (
        await curl([
          `${url}/api/v1/namespaces/team/pods`,
          "-H",
          `Authorization: Bearer ${tampered}`,
        ])
      ).status,
      401,
    );
    const short = await cluster.kubectl([
      "create",
      "token",
      "bot",
      "-n",
      "team",
      "--duration",
      "5m",
    ]);
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /may not specify a duration less than 10 minutes/);
    await cluster.kubectlOk(["delete", "serviceaccount", "bot", "-n", "team"]);
    assert.equal((await curl([`${url}/api/v1/namespaces/team/pods`, ...bearer])).status, 401);
  });

  test("bootstrap tokens authenticate as system:bootstrap:<id>", async () => {
    await cluster.kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "bootstrap-token-abcdef", namespace: "kube-system" },
        type: "bootstrap.kubernetes.io/token",
        stringData: {
          "token-id": "abcdef",
          "token-secret": "0123456789abcdef",
          "usage-bootstrap-authentication": "true",
          "auth-extra-groups": "system:bootstrappers:k8ts:default-node-token",
        },
      }),
    });
    const r = await curl([
      `${url}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      "-X",
      "POST",
      "-H",
      "Authorization: Bearer abcdef.0123456789abcdef",
      "-H",
      "Content-Type: application/json",
      "-d",
      '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}',
    ]);
    assert.equal(r.status, 201, r.body);
    assert.deepEqual(JSON.parse(r.body).status.userInfo, {
      username: "system:bootstrap:abcdef",
      groups: [
        "system:bootstrappers",
        "system:bootstrappers:k8ts:default-node-token",
        "system:authenticated",
      ],
    });
    const wrong = await curl([
      `${url}/api/v1/nodes`,
      "-H",
      "Authorization: Bearer abcdef.0123456789abcdee",
    ]);
    assert.equal(wrong.status, 401);
  });

  test("escalation prevention: a user cannot grant permissions they do not hold", async () => {
    await cluster.kubectlOk([
      "create",
      "role",
      "rbac-admin",
      "-n",
      "team",
      "--verb=create,get,list,update,delete",
      "--resource=roles,rolebindings",
    ]);
    await cluster.kubectlOk([
      "create",
      "rolebinding",
      "bob-rbac",
      "-n",
      "team",
      "--role=rbac-admin",
      "--user=bob",
    ]);
    const denied = await cluster.kubectl([
      "create",
      "role",
      "all-secrets",
      "-n",
      "team",
      "--verb=get",
      "--resource=secrets",
      "--as",
      "bob",
    ]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /is attempting to grant RBAC permissions not currently held/);
    await cluster.kubectlOk([
      "create",
      "role",
      "read-pods",
      "-n",
      "team",
      "--verb=get",
      "--resource=pods",
      "--as",
      "bob",
    ]);
    const bindAdmin = await cluster.kubectl([
      "create",
      "rolebinding",
      "x",
      "-n",
      "team",
      "--clusterrole=admin",
      "--user=bob",
      "--as",
      "bob",
    ]);
    assert.notEqual(bindAdmin.code, 0);
  });

  test("the default roles exist with aggregation applied", async () => {
    const admin = JSON.parse(
      await cluster.kubectlOk(["get", "clusterrole", "admin", "-o", "json"]),
    );
    const resources = admin.rules.flatMap((r: { resources?: string[] }) => r.resources ?? []);
    for (const r of ["pods", "secrets", "rolebindings", "deployments", "localsubjectaccessreviews"])
      assert.ok(resources.includes(r), r);
    const names = await cluster.kubectlOk(["get", "clusterroles", "-o", "name"]);
    for (const n of [
      "cluster-admin",
      "edit",
      "view",
      "system:discovery",
      "system:basic-user",
      "system:public-info-viewer",
      "system:node",
      "system:kube-scheduler",
      "system:kube-controller-manager",
      "system:node-proxier",
    ])
      assert.match(names, new RegExp(`clusterrole.rbac.authorization.k8s.io/${n}\\n`), n);
  });
});
