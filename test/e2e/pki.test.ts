/**
 * Certificates made by hand with openssl, the classic way (genrsa, req -subj,
 * x509 -req -CA with an openssl.cnf carrying the SANs), drive the API server
 * and kubectl; `k8ts certs generate` output verifies with openssl.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand, startCluster, type TestCluster } from "./harness.ts";

const k8ts = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "k8ts");

const run = (cmd: string, args: string[], cwd: string) => runCommand(cmd, args, { cwd });

async function ok(cmd: string, args: string[], cwd: string): Promise<string> {
  const r = await run(cmd, args, cwd);
  assert.equal(r.code, 0, `${cmd} ${args.join(" ")}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

const OPENSSL_CNF = `[req]
req_extensions = v3_req
distinguished_name = req_distinguished_name
[req_distinguished_name]
[ v3_req ]
basicConstraints = CA:FALSE
keyUsage = nonRepudiation, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = @alt_names
[alt_names]
DNS.1 = kubernetes
DNS.2 = kubernetes.default
DNS.3 = kubernetes.default.svc
DNS.4 = kubernetes.default.svc.cluster.local
IP.1 = 10.96.0.1
IP.2 = 127.0.0.1
`;

describe("openssl-made certificates", () => {
  let dir: string;
  let cluster: TestCluster;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-openssl-"));
    await writeFile(join(dir, "openssl.cnf"), OPENSSL_CNF);
    const o = (...args: string[]) => ok("openssl", args, dir);
    await o("genrsa", "-out", "ca.key", "2048");
    await o("req", "-new", "-key", "ca.key", "-subj", "/CN=KUBERNETES-CA", "-out", "ca.csr");
    await o(
      "x509",
      "-req",
      "-in",
      "ca.csr",
      "-signkey",
      "ca.key",
      "-out",
      "ca.crt",
      "-days",
      "1000",
    );
    for (const [name, subj] of [
      ["admin", "/CN=admin/O=system:masters"],
      ["jane", "/CN=jane/O=developers"],
    ]) {
      await o("genrsa", "-out", `${name}.key`, "2048");
      await o("req", "-new", "-key", `${name}.key`, "-subj", subj, "-out", `${name}.csr`);
      await o(
        "x509",
        "-req",
        "-in",
        `${name}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        `${name}.crt`,
      );
    }
    await o("genrsa", "-out", "apiserver.key", "2048");
    await o(
      "req",
      "-new",
      "-key",
      "apiserver.key",
      "-subj",
      "/CN=kube-apiserver",
      "-out",
      "apiserver.csr",
      "-config",
      "openssl.cnf",
    );
    await o(
      "x509",
      "-req",
      "-in",
      "apiserver.csr",
      "-CA",
      "ca.crt",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "apiserver.crt",
      "-extensions",
      "v3_req",
      "-extfile",
      "openssl.cnf",
      "-days",
      "1000",
    );
    await o("genrsa", "-out", "service-account.key", "2048");
    cluster = await startCluster({
      args: [
        "--client-ca-file",
        join(dir, "ca.crt"),
        "--tls-cert-file",
        join(dir, "apiserver.crt"),
        "--tls-private-key-file",
        join(dir, "apiserver.key"),
        "--service-account-key-file",
        join(dir, "service-account.key"),
        "--service-account-signing-key-file",
        join(dir, "service-account.key"),
      ],
    });
    for (const user of ["admin", "jane"])
      await ok(
        process.execPath,
        [
          k8ts,
          "kubeconfig",
          "--user",
          user,
          "--cert",
          `${user}.crt`,
          "--key",
          `${user}.key`,
          "--ca",
          "ca.crt",
          "--server",
          cluster.url,
          "--embed",
          "--out",
          `${user}.kubeconfig`,
        ],
        dir,
      );
  });
  after(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const kubectl = (user: string, args: string[]) =>
    run(
      "kubectl",
      [
        "--kubeconfig",
        join(dir, `${user}.kubeconfig`),
        "--cache-dir",
        join(dir, "cache", user),
        ...args,
      ],
      dir,
    );

  test("openssl verify and x509 -text show the usages and SANs", async () => {
    assert.match(
      await ok("openssl", ["verify", "-CAfile", "ca.crt", "admin.crt", "apiserver.crt"], dir),
      /apiserver.crt: OK/,
    );
    const text = await ok("openssl", ["x509", "-in", "apiserver.crt", "-noout", "-text"], dir);
    assert.match(text, /TLS Web Server Authentication/);
    assert.match(text, /DNS:kubernetes.default.svc.cluster.local/);
  });

  test("the classic curl and kubectl work with the openssl certificates (CA verified)", async () => {
    const out = await ok(
      "curl",
      [
        "-s",
        `${cluster.url}/api/v1/pods`,
        "--key",
        "admin.key",
        "--cert",
        "admin.crt",
        "--cacert",
        "ca.crt",
      ],
      dir,
    );
    assert.equal(JSON.parse(out).kind, "PodList");
    const who = await kubectl("admin", ["auth", "whoami", "-o", "json"]);
    assert.equal(who.code, 0, who.stderr);
    assert.deepEqual(JSON.parse(who.stdout).status.userInfo.groups, [
      "system:masters",
      "system:authenticated",
    ]);
    const view = await kubectl("admin", ["config", "view", "-o", "jsonpath={.current-context}"]);
    assert.equal(view.stdout, "admin@k8ts");
  });

  test("jane is forbidden until a RoleBinding grants pod listing", async () => {
    const denied = await kubectl("jane", ["get", "pods"]);
    assert.notEqual(denied.code, 0);
    assert.match(
      denied.stderr,
      /pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/,
    );
    await kubectl("admin", [
      "create",
      "role",
      "pod-reader",
      "--verb=get,list,watch",
      "--resource=pods",
    ]);
    const bind = await kubectl("admin", [
      "create",
      "rolebinding",
      "jane-reads",
      "--role=pod-reader",
      "--user=jane",
    ]);
    assert.equal(bind.code, 0, bind.stderr);
    const allowed = await kubectl("jane", ["get", "pods"]);
    assert.equal(allowed.code, 0, allowed.stderr);
  });

  test("service-account tokens are signed with the openssl RSA key", async () => {
    await kubectl("admin", ["create", "serviceaccount", "robot"]);
    const token = await kubectl("admin", ["create", "token", "robot"]);
    assert.equal(token.code, 0, token.stderr);
    const header = JSON.parse(
      Buffer.from(token.stdout.trim().split(".")[0], "base64url").toString(),
    );
    assert.equal(header.alg, "RS256");
    const r = await run(
      "curl",
      [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--cacert",
        "ca.crt",
        "-H",
        `Authorization: Bearer ${token.stdout.trim()}`,
        `${cluster.url}/api/v1/namespaces/default/pods`,
      ],
      dir,
    );
    assert.equal(r.stdout, "403");
  });
});

describe("k8ts certs", () => {
  test("generate writes certificates that openssl verifies; check-expiration and renew", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-certs-"));
    try {
      await ok(
        process.execPath,
        [k8ts, "certs", "generate", "--dir", "pki", "--key-type", "ecdsa", "--node", "n1=10.0.0.5"],
        dir,
      );
      const pki = join(dir, "pki");
      await ok(
        "openssl",
        [
          "verify",
          "-CAfile",
          "ca.crt",
          "admin.crt",
          "apiserver.crt",
          "kubelet-n1.crt",
          "kube-scheduler.crt",
        ],
        pki,
      );
      await ok(
        "openssl",
        ["verify", "-CAfile", "etcd/ca.crt", "etcd/server-etcd.crt", "apiserver-etcd-client.crt"],
        pki,
      );
      const admin = await ok("openssl", ["x509", "-in", "admin.crt", "-noout", "-text"], pki);
      assert.match(admin, /TLS Web Client Authentication/);
      assert.match(admin, /O ?= ?system:masters/);
      const kubelet = await ok(
        "openssl",
        ["x509", "-in", "kubelet-n1.crt", "-noout", "-text"],
        pki,
      );
      assert.match(kubelet, /CN ?= ?system:node:n1/);
      assert.match(kubelet, /IP Address:10.0.0.5/);
      const again = await ok(process.execPath, [k8ts, "certs", "generate", "--dir", "pki"], dir);
      assert.match(again, /nothing to do/);
      const table = await ok(
        process.execPath,
        [k8ts, "certs", "check-expiration", "--dir", "pki"],
        dir,
      );
      assert.match(table, /^CERTIFICATE\s+SUBJECT\s+EXPIRES\s+RESIDUAL TIME/);
      assert.match(table, /apiserver\s+CN=kube-apiserver\s+.*364d\s+kubernetes\s+DNS:localhost/);
      assert.match(
        await ok(process.execPath, [k8ts, "certs", "renew", "all", "--dir", "pki"], dir),
        /certificate admin renewed/,
      );
      await ok("openssl", ["verify", "-CAfile", "ca.crt", "admin.crt"], pki);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("k8ts certs generate: the full set", () => {
  test("RSA 2048 by default: every named certificate, SANs, usages, keys 0600, kept unless --force", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-certs-all-"));
    try {
      const args = ["certs", "generate", "--dir", "pki", "--apiserver-san", "api.example.test"];
      await ok(
        process.execPath,
        [
          k8ts,
          ...args,
          "--apiserver-san",
          "192.0.2.10",
          "--node",
          "w1=10.0.0.7",
          "--etcd-member",
          "e1=10.0.0.8",
        ],
        dir,
      );
      const pki = join(dir, "pki");
      const want: [string, RegExp, RegExp][] = [
        ["admin", /CN ?= ?kubernetes-admin/, /TLS Web Client Authentication/],
        ["kube-scheduler", /CN ?= ?system:kube-scheduler/, /TLS Web Client Authentication/],
        ["kube-controller-manager", /CN ?= ?system:kube-controller-manager/, /Client Auth/],
        ["kube-proxy", /CN ?= ?system:kube-proxy/, /TLS Web Client Authentication/],
        ["apiserver-kubelet-client", /O ?= ?system:masters/, /TLS Web Client Authentication/],
        ["apiserver-etcd-client", /CN ?= ?kube-apiserver-etcd-client/, /Client Auth/],
        ["apiserver", /CN ?= ?kube-apiserver/, /TLS Web Server Authentication/],
        ["kubelet-w1", /CN ?= ?system:node:w1/, /TLS Web Server Authentication/],
        ["kubelet-client-w1", /O ?= ?system:nodes/, /TLS Web Client Authentication/],
        ["etcd/server-e1", /CN ?= ?e1/, /IP Address:10.0.0.8/],
        ["etcd/peer-e1", /CN ?= ?e1/, /IP Address:10.0.0.8/],
      ];
      for (const [name, subject, usage] of want) {
        const text = await ok("openssl", ["x509", "-in", `${name}.crt`, "-noout", "-text"], pki);
        assert.match(text, subject, name);
        assert.match(text, usage, name);
        assert.match(text, /Public-Key: \(2048 bit\)/, `${name} is RSA 2048`);
        assert.equal((await stat(join(pki, `${name}.key`))).mode & 0o777, 0o600, `${name}.key`);
      }
      for (const key of ["ca.key", "etcd/ca.key", "sa.key"])
        assert.equal((await stat(join(pki, key))).mode & 0o777, 0o600, key);
      await ok("openssl", ["pkey", "-pubin", "-in", "sa.pub", "-noout"], pki);
      const api = await ok("openssl", ["x509", "-in", "apiserver.crt", "-noout", "-text"], pki);
      for (const san of [
        "DNS:kubernetes",
        "DNS:kubernetes.default",
        "DNS:kubernetes.default.svc",
        "DNS:kubernetes.default.svc.cluster.local",
        "DNS:api.example.test",
        "IP Address:10.43.0.1",
        "IP Address:127.0.0.1",
        "IP Address:10.0.0.7",
        "IP Address:192.0.2.10",
      ])
        assert.ok(api.includes(san), `apiserver SAN ${san}`);
      const before = await readFile(join(pki, "admin.crt"), "utf8");
      await ok(process.execPath, [k8ts, ...args], dir);
      assert.equal(await readFile(join(pki, "admin.crt"), "utf8"), before, "kept without --force");
      await ok(process.execPath, [k8ts, ...args, "--force"], dir);
      assert.notEqual(await readFile(join(pki, "admin.crt"), "utf8"), before, "--force rewrites");
      await ok("openssl", ["verify", "-CAfile", "ca.crt", "admin.crt"], pki);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("--key-type ecdsa makes P-256 keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-certs-ec-"));
    try {
      await ok(
        process.execPath,
        [k8ts, "certs", "generate", "--dir", "pki", "--key-type", "ecdsa"],
        dir,
      );
      const text = await ok(
        "openssl",
        ["x509", "-in", "admin.crt", "-noout", "-text"],
        join(dir, "pki"),
      );
      assert.match(text, /id-ecPublicKey/);
      assert.match(text, /prime256v1|P-256/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("k8ts server --merge-kubeconfig", () => {
  test("merges the admin entries into ~/.kube/config and keeps the others", async () => {
    const home = await mkdtemp(join(tmpdir(), "k8ts-home-"));
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(home, ".kube"));
    const other = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: prod",
      "  cluster: {server: 'https://127.0.0.1:1'}",
      "users:",
      "- name: ops",
      "  user: {token: abc}",
      "contexts:",
      "- name: prod",
      "  context: {cluster: prod, user: ops}",
      "current-context: prod",
      "",
    ].join("\n");
    await writeFile(join(home, ".kube", "config"), other);
    const cluster = await startCluster({ args: ["--merge-kubeconfig"], env: { HOME: home } });
    try {
      const cfg = join(home, ".kube", "config");
      const kubectl = (args: string[]) => run("kubectl", ["--kubeconfig", cfg, ...args], home);
      const contexts = await kubectl(["config", "get-contexts", "-o", "name"]);
      assert.deepEqual(contexts.stdout.trim().split("\n").sort(), ["k8ts", "prod"]);
      assert.equal((await kubectl(["config", "current-context"])).stdout.trim(), "k8ts");
      const ns = await kubectl(["get", "ns", "default", "-o", "name"]);
      assert.equal(ns.stdout.trim(), "namespace/default", ns.stderr);
      assert.equal((await kubectl(["config", "use-context", "prod"])).code, 0);
      const viaContext = await kubectl([
        "--context",
        "k8ts",
        "get",
        "ns",
        "kube-system",
        "-o",
        "name",
      ]);
      assert.equal(viaContext.stdout.trim(), "namespace/kube-system", viaContext.stderr);
    } finally {
      await cluster.stop();
      await rm(home, { recursive: true, force: true });
    }
  });
});
