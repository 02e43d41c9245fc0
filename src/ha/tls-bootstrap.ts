/**
 * Kubelet TLS bootstrapping as upstream: with only a bootstrap token, the
 * node makes a key, asks for a client certificate for
 * system:node:<name> (O=system:nodes) through a CertificateSigningRequest to
 * signer kubernetes.io/kube-apiserver-client-kubelet, waits until the
 * csrapproving controller approved it and the signer issued it, and writes
 * a kubeconfig with that identity. A node with a still-valid certificate
 * reuses it.
 */
import { generateKeyPair, randomBytes, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import forge from "node-forge";
import type { KObject } from "../api/types.ts";
import { realClock, type Clock } from "../client/clock.ts";
import { loadKubeconfig } from "../client/kubeconfig.ts";
import { RestClient, type ResourceRef } from "../client/rest-client.ts";
import { writeKubeconfig } from "../pki/kubeconfig.ts";
import { formatToken, type BootstrapToken } from "./bootstrap-token.ts";

const generateKeyPairAsync = promisify(generateKeyPair);

const csrRef: ResourceRef = {
  group: "certificates.k8s.io",
  version: "v1",
  resource: "certificatesigningrequests",
  namespaced: false,
};

export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";

/** A PEM PKCS#10 request for the node's client identity, and its PKCS#8 key. */
export async function nodeClientCsr(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const { privateKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([
    { shortName: "O", value: "system:nodes" },
    { shortName: "CN", value: `system:node:${nodeName}` },
  ]);
  csr.sign(key, forge.md.sha256.create());
  const pkcs8 = forge.pki.privateKeyInfoToPem(
    forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(key)),
  );
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: pkcs8 };
}

export interface TlsBootstrapOptions {
  server: string;
  caPem: string;
  token: BootstrapToken;
  nodeName: string;
  /** Where kubelet.kubeconfig is written. */
  dataDir: string;
  /** Give up waiting for the certificate after this long (default 120 s). */
  timeoutMs?: number;
  clock?: Clock;
}

/** The node's kubeconfig path; bootstraps a certificate unless a valid one (≥ 1 h left) exists. */
export async function bootstrapNodeKubeconfig(opts: TlsBootstrapOptions): Promise<string> {
  const path = join(opts.dataDir, "kubelet.kubeconfig");
  const clock = opts.clock ?? realClock;
  if (existsSync(path)) {
    const cert = loadKubeconfig(path).cert;
    if (cert && new Date(new X509Certificate(cert).validTo).getTime() > clock.now() + 3_600_000)
      return path;
  }
  const { csrPem, keyPem } = await nodeClientCsr(opts.nodeName);
  const client = new RestClient({
    server: opts.server,
    ca: opts.caPem,
    token: formatToken(opts.token),
    userAgent: "k8ts-agent/tls-bootstrap",
  });
  // realClock timers are unref'd: hold the process open while waiting on the signer.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    const name = `node-csr-${randomBytes(8).toString("hex")}`;
    await client.create(csrRef, undefined, {
      apiVersion: "certificates.k8s.io/v1",
      kind: "CertificateSigningRequest",
      metadata: { name },
      spec: {
        request: Buffer.from(csrPem).toString("base64"),
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ["digital signature", "key encipherment", "client auth"],
      },
    } as KObject);
    const deadline = clock.now() + (opts.timeoutMs ?? 120_000);
    for (;;) {
      const csr = await client.get<KObject & { status?: Record<string, unknown> }>(
        csrRef,
        undefined,
        name,
      );
      const conditions = (csr.status?.conditions ?? []) as { type: string; message?: string }[];
      const bad = conditions.find((c) => c.type === "Denied" || c.type === "Failed");
      if (bad)
        throw new Error(
          `Cannot bootstrap node ${opts.nodeName}: CSR ${name} ${bad.type}: ${bad.message ?? ""}`,
        );
      const certificate = csr.status?.certificate;
      if (typeof certificate === "string" && certificate) {
        await writeKubeconfig(path, {
          server: opts.server,
          caPem: opts.caPem,
          clientCertPem: Buffer.from(certificate, "base64").toString("utf8"),
          clientKeyPem: keyPem,
        });
        return path;
      }
      if (clock.now() > deadline)
        throw new Error(`Cannot bootstrap node ${opts.nodeName}: CSR ${name} not issued in time`);
      await new Promise<void>((r) => clock.after(500, r));
    }
  } finally {
    clearInterval(keepAlive);
    client.close();
  }
}
