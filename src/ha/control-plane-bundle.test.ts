import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bundleFromSecret,
  bundleSecret,
  readLocalBundle,
  writeLocalBundle,
} from "./control-plane-bundle.ts";

test("bundle: files and endpoints survive Secret and disk round trips", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k8ts-bundle-"));
  try {
    const bundle = {
      files: { "ca.crt": "CERT", "ca.key": "KEY", "encryption-config.json": "{}" },
      etcdEndpoints: ["https://127.0.0.1:1", "https://127.0.0.1:2"],
    };
    const back = bundleFromSecret(bundleSecret(bundle));
    assert.deepEqual(back, bundle);
    await writeLocalBundle(dir, back);
    assert.equal(await readFile(join(dir, "tls", "ca.key"), "utf8"), "KEY");
    assert.equal((await stat(join(dir, "tls", "ca.key"))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, "cred", "encryption-config.json"))).mode & 0o777, 0o600);
    assert.deepEqual(await readLocalBundle(dir, bundle.etcdEndpoints), bundle);
    assert.throws(() =>
      bundleFromSecret({ apiVersion: "v1", kind: "Secret", data: { "sa.key": "eA==" } }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
