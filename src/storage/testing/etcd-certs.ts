import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";

/** PEM file paths of a throwaway PKI for a test etcd. */
export interface EtcdTestCerts {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** The client pair, as the API server's apiserver-etcd-client certificate. */
  clientCertFile: string;
  clientKeyFile: string;
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.PrivateKey;
}

/**
 * Writes a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate (CN apiserver-etcd-client) into dir. Keys are RSA 2048 made by
 * Node's native generator; certificates are valid for one day. For tests only.
 */
export async function makeEtcdTestCerts(dir: string): Promise<EtcdTestCerts> {
  const ca = issue({ commonName: "k8ts-test-etcd-ca", isCA: true });
  const server = issue({
    commonName: "etcd-server",
    issuer: ca,
    extensions: [
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true, clientAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  const client = issue({
    commonName: "apiserver-etcd-client",
    issuer: ca,
    extensions: [
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", clientAuth: true },
    ],
  });
  const files: EtcdTestCerts = {
    caFile: join(dir, "ca.crt"),
    serverCertFile: join(dir, "server.crt"),
    serverKeyFile: join(dir, "server.key"),
    clientCertFile: join(dir, "client.crt"),
    clientKeyFile: join(dir, "client.key"),
  };
  await writeFile(files.caFile, forge.pki.certificateToPem(ca.cert));
  await writeFile(files.serverCertFile, forge.pki.certificateToPem(server.cert));
  await writeFile(files.serverKeyFile, forge.pki.privateKeyToPem(server.key), { mode: 0o600 });
  await writeFile(files.clientCertFile, forge.pki.certificateToPem(client.cert));
  await writeFile(files.clientKeyFile, forge.pki.privateKeyToPem(client.key), { mode: 0o600 });
  return files;
}

function issue(opts: {
  commonName: string;
  isCA?: boolean;
  issuer?: Issued;
  extensions?: object[];
}): Issued {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const key = forge.pki.privateKeyFromPem(
    pair.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  );
  const publicKey = forge.pki.publicKeyFromPem(
    pair.publicKey.export({ type: "spki", format: "pem" }).toString(),
  );
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: clear the top bit of the first byte.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString("hex");
  const now = new Date();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 24 * 3600_000);
  const subject = [{ name: "commonName", value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.cert.subject.attributes : subject);
  cert.setExtensions(
    opts.isCA
      ? [
          { name: "basicConstraints", cA: true, critical: true },
          {
            name: "keyUsage",
            keyCertSign: true,
            cRLSign: true,
            digitalSignature: true,
            critical: true,
          },
        ]
      : (opts.extensions ?? []),
  );
  cert.sign((opts.issuer?.key ?? key) as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { cert, key };
}
