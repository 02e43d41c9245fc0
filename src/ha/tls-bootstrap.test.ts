import { test } from "node:test";
import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { parseCsrPem } from "../pki/csr.ts";
import { nodeClientCsr } from "./tls-bootstrap.ts";

test("nodeClientCsr asks for system:node:<name> in system:nodes with the returned key", async () => {
  const { csrPem, keyPem } = await nodeClientCsr("worker1");
  const csr = parseCsrPem(csrPem);
  assert.equal(csr.commonName, "system:node:worker1");
  assert.deepEqual(csr.organizations, ["system:nodes"]);
  assert.deepEqual([csr.dnsNames, csr.ipAddresses], [[], []]);
  const spki = createPublicKey(createPrivateKey(keyPem)).export({ type: "spki", format: "der" });
  assert.ok(spki.equals(csr.spkiDer));
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
});
