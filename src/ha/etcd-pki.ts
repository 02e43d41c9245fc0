/**
 * The etcd side of a server's PKI, under `<tls-dir>/etcd/`: the etcd CA
 * (ca.crt/ca.key, shared by every member of the cluster), and for this
 * member a server certificate, a peer certificate and the API server's
 * client certificate (apiserver-etcd-client), all issued by the etcd CA.
 * Existing files are kept, so restarts reuse them.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueCertificate, type CertKeyPair } from "../pki/self-signed.ts";

/** File paths of one member's etcd certificates. */
export interface EtcdMemberPki {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  peerCertFile: string;
  peerKeyFile: string;
  /** The client pair the API server (and `k8ts etcd`) presents to etcd. */
  clientCertFile: string;
  clientKeyFile: string;
}

/** The etcd CA of a tls dir: loaded when present, else created (or copied from `given`). */
export async function ensureEtcdCa(tlsDir: string, given?: CertKeyPair): Promise<CertKeyPair> {
  const dir = join(tlsDir, "etcd");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const cert = join(dir, "ca.crt");
  const key = join(dir, "ca.key");
  if (existsSync(cert) && existsSync(key))
    return { certPem: await readFile(cert, "utf8"), keyPem: await readFile(key, "utf8") };
  const ca = given ?? (await issueCertificate({ commonName: "etcd-ca", usage: "ca" }));
  await writeFile(key, ca.keyPem, { mode: 0o600 });
  await writeFile(cert, ca.certPem, { mode: 0o644 });
  return ca;
}

/**
 * Ensures this member's certificates exist, issued by the etcd CA (which
 * must already be in place, see ensureEtcdCa). `name` is the member name;
 * `ips` are the addresses its URLs use (127.0.0.1 is always included).
 */
export async function ensureEtcdMemberPki(
  tlsDir: string,
  name: string,
  ips: string[] = [],
): Promise<EtcdMemberPki> {
  const dir = join(tlsDir, "etcd");
  const ca = await ensureEtcdCa(tlsDir);
  const sans = { dnsNames: ["localhost", name], ipAddresses: [...new Set(["127.0.0.1", ...ips])] };
  const pair = async (base: string, make: () => Promise<CertKeyPair>) => {
    const certFile = join(dir, `${base}.crt`);
    const keyFile = join(dir, `${base}.key`);
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      const p = await make();
      await writeFile(keyFile, p.keyPem, { mode: 0o600 });
      await writeFile(certFile, p.certPem, { mode: 0o644 });
    }
    return { certFile, keyFile };
  };
  const [server, peer, client] = await Promise.all([
    pair("server", () =>
      issueCertificate({ commonName: name, usage: "server-client", signer: ca, ...sans }),
    ),
    pair("peer", () =>
      issueCertificate({ commonName: name, usage: "server-client", signer: ca, ...sans }),
    ),
    pair("apiserver-etcd-client", () =>
      issueCertificate({ commonName: "kube-apiserver-etcd-client", usage: "client", signer: ca }),
    ),
  ]);
  return {
    caFile: join(dir, "ca.crt"),
    serverCertFile: server.certFile,
    serverKeyFile: server.keyFile,
    peerCertFile: peer.certFile,
    peerKeyFile: peer.keyFile,
    clientCertFile: client.certFile,
    clientKeyFile: client.keyFile,
  };
}
