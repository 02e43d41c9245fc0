/**
 * The API server's client certificate towards kubelets, as kubeadm's
 * apiserver-kubelet-client (CN kube-apiserver-kubelet-client, O
 * system:masters), signed by the cluster CA and kept beside the other
 * cluster certificates (`apiserver-kubelet-client.crt` / `.key`).
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueCertificate, type CertKeyPair } from "../../pki/self-signed.ts";
import type { ServerContext } from "../context.ts";
import { configureKubeletClient } from "./kubelet-client.ts";

/** Loads or creates the certificate under `dir`. */
export async function ensureKubeletClientCert(dir: string, ca: CertKeyPair): Promise<CertKeyPair> {
  const certPath = join(dir, "apiserver-kubelet-client.crt");
  const keyPath = join(dir, "apiserver-kubelet-client.key");
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { certPem: await readFile(certPath, "utf8"), keyPem: await readFile(keyPath, "utf8") };
  }
  const pair = await issueCertificate({
    commonName: "kube-apiserver-kubelet-client",
    organizations: ["system:masters"],
    usage: "client",
    signer: ca,
  });
  await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
  await writeFile(certPath, pair.certPem, { mode: 0o644 });
  return pair;
}

/** Gives `server` its kubelet client certificate (created under `dir` when missing). */
export async function setupKubeletClient(
  server: ServerContext,
  dir: string,
  ca: CertKeyPair,
): Promise<void> {
  const pair = await ensureKubeletClientCert(dir, ca);
  configureKubeletClient(server, { certPem: pair.certPem, keyPem: pair.keyPem });
}
