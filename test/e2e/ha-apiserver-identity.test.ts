/**
 * `k8ts apiserver` alone keeps its identity Lease as kube-apiserver does:
 * kube-system/apiserver-<hash of the hostname>, labelled
 * apiserver.kubernetes.io/identity=kube-apiserver, held by
 * "<name>_<uuid>" for 3600 s; a restarted server takes it over with a new
 * holder and collects identity leases that were not renewed in time.
 * (Renewal every 10 s and collection are unit-tested on a fake clock in
 * src/ha/apiserver-identity.test.ts.)
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { apiServerIdentity, IDENTITY_LABEL } from "../../src/ha/apiserver-identity.ts";
import { eventually } from "./harness.ts";
import { run, track } from "./ha-cluster.ts";

const k8tsBin = join(import.meta.dirname, "..", "..", "bin", "k8ts");
let dir: string;
let child: ChildProcess | undefined;
let output = "";

const kubectl = (args: string[]) =>
  run("kubectl", [
    "--kubeconfig",
    join(dir, "data", "admin.kubeconfig"),
    "--cache-dir",
    join(dir, "kcache"),
    "--request-timeout",
    "20s",
    ...args,
  ]);

async function startApiserver(): Promise<void> {
  output = "";
  const c = spawn(
    process.execPath,
    // Port 0: the server binds a free port itself and writes it into its admin kubeconfig.
    [k8tsBin, "apiserver", "--data-dir", join(dir, "data"), "--secure-port", "0"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  track(c);
  child = c;
  c.stdout!.on("data", (d) => (output += d));
  c.stderr!.on("data", (d) => (output += d));
  await eventually(
    "k8ts apiserver ready",
    async () => {
      if (c.exitCode !== null) throw new Error(`exited ${c.exitCode}`);
      return output.includes("k8ts apiserver listening") ? true : undefined;
    },
    // As the harness's server start (a loaded machine spends most of it loading modules).
    { timeoutMs: 90_000, context: () => output },
  );
}

async function stopApiserver(): Promise<void> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null) return;
  const exited = new Promise((r) => c.once("exit", r));
  c.kill("SIGTERM");
  await exited;
}

type Lease = {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
};

async function identityLeases(): Promise<Lease[]> {
  const r = await kubectl([
    "get",
    "leases",
    "-n",
    "kube-system",
    "-l",
    `${IDENTITY_LABEL}=kube-apiserver`,
    "-o",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { items: Lease[] }).items;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-ha-identity-"));
  await startApiserver();
});

after(async () => {
  await stopApiserver();
  await rm(dir, { recursive: true, force: true });
});

test("k8ts apiserver alone keeps its identity Lease, and a restart collects expired ones", async () => {
  const name = apiServerIdentity(hostname().toLowerCase());
  const first = await eventually(
    "the identity lease",
    async () => (await identityLeases()).find((l) => l.metadata.name === name),
    { context: () => output },
  );
  assert.equal(first.metadata.labels?.["kubernetes.io/hostname"], hostname().toLowerCase());
  assert.equal(first.spec.leaseDurationSeconds, 3600);
  assert.match(first.spec.holderIdentity ?? "", new RegExp(`^${name}_[0-9a-f-]{36}$`));

  // Another server's lease, last renewed two hours ago: expired (3600 s).
  const stale = join(dir, "stale.yaml");
  const renewed = new Date(Date.now() - 2 * 3600_000).toISOString().replace("Z", "000Z");
  await writeFile(
    stale,
    [
      "apiVersion: coordination.k8s.io/v1",
      "kind: Lease",
      "metadata:",
      "  name: apiserver-gone",
      "  namespace: kube-system",
      "  labels:",
      `    ${IDENTITY_LABEL}: kube-apiserver`,
      "spec:",
      "  holderIdentity: apiserver-gone_0",
      "  leaseDurationSeconds: 3600",
      `  renewTime: "${renewed}"`,
      "",
    ].join("\n"),
  );
  const created = await kubectl(["create", "-f", stale]);
  assert.equal(created.code, 0, created.stderr);

  await stopApiserver();
  await startApiserver();
  const names = await eventually(
    "the restarted server renews its lease under a new holder and collects the expired one",
    async () => {
      const leases = await identityLeases();
      const own = leases.find((l) => l.metadata.name === name);
      if (!own || own.spec.holderIdentity === first.spec.holderIdentity) return undefined;
      const all = leases.map((l) => l.metadata.name);
      return all.includes("apiserver-gone") ? undefined : all;
    },
    { context: () => output },
  );
  assert.deepEqual(names, [name]);
});
