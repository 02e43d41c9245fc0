/**
 * The bundle (scripts/bundle.mjs: what `npm run build` makes and bin/k8ts
 * prefers) as users run it: built from the current sources into a directory of
 * its own, then `k8ts server` started from it and driven by kubectl. The rest of
 * the suite runs the sources through tsx, and the bundle differs: its chunks,
 * the dynamic imports it makes static (module order), the components thread's
 * own entry, the CRI proto copied beside the chunks.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { eventually, startCluster, type TestCluster } from "./harness.ts";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let outdir: string;
let cluster: TestCluster;

before(async () => {
  // Inside the repository: the bundle imports its packages from node_modules.
  await mkdir(join(repoRoot, "dist"), { recursive: true });
  outdir = await mkdtemp(join(repoRoot, "dist", "bundle-test-"));
  await promisify(execFile)(process.execPath, [
    join(repoRoot, "scripts", "bundle.mjs"),
    "--outdir",
    outdir,
  ]);
  for (const file of ["main.js", "components-thread.js", "api.proto", "chunks/api.proto"])
    assert.ok(existsSync(join(outdir, file)), `bundle has ${file}`);
  cluster = await startCluster({ entry: join(outdir, "main.js") });
});
after(async () => {
  await cluster?.stop();
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

test("the bundled server answers kubectl, and its controllers (components thread) run", async () => {
  const version = JSON.parse(await cluster.kubectlOk(["version", "-o", "json"]));
  assert.match(version.serverVersion.gitVersion, /^v1\.32\./);
  assert.match(await cluster.kubectlOk(["get", "ns", "default"]), /^default\s+Active/m);
  await cluster.kubectlOk(["create", "configmap", "cfg", "--from-literal=k=v"]);
  assert.equal(await cluster.kubectlOk(["get", "cm", "cfg", "-o", "jsonpath={.data.k}"]), "v");
  assert.equal((await cluster.kubectlOk(["auth", "can-i", "create", "pods"])).trim(), "yes");
  // The deployment controller (in the components thread) makes the ReplicaSet.
  await cluster.kubectlOk(["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2"]);
  const rs = await eventually("the deployment's ReplicaSet", async () => {
    const names = await cluster.kubectlOk(["get", "rs", "-l", "app=web", "-o", "name"]);
    return /^replicaset\.apps\/web-/m.test(names) && names;
  });
  assert.match(rs, /^replicaset\.apps\/web-/m);
});
