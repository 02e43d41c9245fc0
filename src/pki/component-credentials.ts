/**
 * Client certificates for the components `k8ts server` runs in-process, so
 * each talks to the API server under its upstream identity and RBAC (or the
 * Node authorizer) decides what it may do, as in a kubeadm cluster:
 *
 * | component               | subject                                   | file (in the tls dir)        |
 * |-------------------------|-------------------------------------------|------------------------------|
 * | scheduler               | CN=system:kube-scheduler                  | kube-scheduler.crt/.key      |
 * | controller manager      | CN=system:kube-controller-manager         | kube-controller-manager.crt  |
 * | kube-proxy              | CN=system:kube-proxy                      | kube-proxy.crt/.key          |
 * | kubelet (node NAME)     | CN=system:node:NAME, O=system:nodes       | kubelet-client-NAME.crt/.key |
 *
 * The names match `k8ts certs generate`. Existing files are reused; keys are
 * written 0600.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { issueCertificate, type CertKeyPair } from "./self-signed.ts";

export interface ComponentCredentials {
  scheduler: CertKeyPair;
  controllerManager: CertKeyPair;
  kubeProxy: CertKeyPair;
  /** The node's kubelet client certificate (system:node:<nodeName>). */
  kubelet: CertKeyPair;
}

/** Subjects of the component identities, by component. */
export function componentSubjects(
  nodeName: string,
): Record<
  keyof ComponentCredentials,
  { file: string; commonName: string; organizations?: string[] }
> {
  return {
    scheduler: { file: "kube-scheduler", commonName: "system:kube-scheduler" },
    controllerManager: {
      file: "kube-controller-manager",
      commonName: "system:kube-controller-manager",
    },
    kubeProxy: { file: "kube-proxy", commonName: "system:kube-proxy" },
    kubelet: {
      file: `kubelet-client-${nodeName}`,
      commonName: `system:node:${nodeName}`,
      organizations: ["system:nodes"],
    },
  };
}

/** Loads (or issues from `ca`) the component client certificates in `tlsDir`. */
export async function ensureComponentCredentials(
  tlsDir: string,
  ca: CertKeyPair,
  nodeName: string,
): Promise<ComponentCredentials> {
  const subjects = componentSubjects(nodeName);
  const entries = await Promise.all(
    (Object.keys(subjects) as (keyof ComponentCredentials)[]).map(async (k) => {
      const s = subjects[k];
      const certPath = join(tlsDir, `${s.file}.crt`);
      const keyPath = join(tlsDir, `${s.file}.key`);
      if (existsSync(certPath) && existsSync(keyPath)) {
        const [certPem, keyPem] = await Promise.all([
          readFile(certPath, "utf8"),
          readFile(keyPath, "utf8"),
        ]);
        return [k, { certPem, keyPem }] as const;
      }
      const pair = await issueCertificate({
        commonName: s.commonName,
        organizations: s.organizations,
        usage: "client",
        signer: ca,
      });
      await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
      await writeFile(certPath, pair.certPem, { mode: 0o644 });
      return [k, pair] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as ComponentCredentials;
}
