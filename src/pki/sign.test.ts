import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import { serialNumberHex, signCertificate } from "./sign.ts";

test("serials are positive and minimally encoded whatever the random bytes (OpenSSL refuses others)", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spkiDer = publicKey.export({ type: "spki", format: "der" });
  const selfKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
  const sign = (serialBytes: Buffer) =>
    new X509Certificate(
      signCertificate({
        spkiDer,
        subject: { commonName: "serial" },
        usage: "client",
        selfKeyPem,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        serialBytes,
      }),
    );
  const rest = Buffer.alloc(13, 0x42);
  // 00 00 05 ...: one leading zero stripped by forge left 00 05, a non-minimal INTEGER.
  for (const head of [
    [0, 0, 5],
    [0x80, 0, 5],
    [0, 0, 0x85],
    [0xff, 0xff, 0xff],
    [0x7f, 0, 0],
  ]) {
    const bytes = Buffer.concat([Buffer.from(head), rest]);
    const cert = sign(bytes);
    assert.equal(cert.serialNumber.toLowerCase(), serialNumberHex(bytes), head.join(","));
  }
  for (let b = 0; b < 256; b++) {
    const first = parseInt(serialNumberHex(Buffer.from([b, 0])).slice(0, 2), 16);
    assert.ok(first >= 1 && first <= 0x7f, `first byte ${b} -> ${first}`);
  }
});
