/**
 * The kubelet's serving certificate (CN system:node:<name>, O system:nodes,
 * SANs: the node name, localhost, the node IP and 127.0.0.1). Signed by the
 * cluster CA when the kubelet was given it, else by a CA of its own that
 * it creates, as upstream's kubelet does without --tls-cert-file. Kept
 * under `<dir>/kubelet.crt` and `kubelet.key` and reused while it exists.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueCertificate, type CertKeyPair } from "../../pki/self-signed.ts";

export interface ServingCertOptions {
  dir: string;
  nodeName: string;
  nodeIP: string;
  /** The cluster CA; absent: a self-signed CA is made. */
  ca?: CertKeyPair;
}

/** Loads or creates the serving certificate. */
export async function ensureServingCert(o: ServingCertOptions): Promise<CertKeyPair> {
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  const certPath = join(o.dir, "kubelet.crt");
  const keyPath = join(o.dir, "kubelet.key");
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
  }
  const signer = o.ca ?? (await issueCertificate({ commonName: `${o.nodeName}-ca`, usage: "ca" }));
  const pair = await issueCertificate({
    commonName: `system:node:${o.nodeName}`,
    organizations: ["system:nodes"],
    usage: "server",
    signer,
    dnsNames: [o.nodeName, "localhost"],
    ipAddresses: [...new Set([o.nodeIP, "127.0.0.1"])],
  });
  await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
  await writeFile(certPath, pair.certPem, { mode: 0o644 });
  return pair;
}
