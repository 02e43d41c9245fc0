/**
 * Admin kubeconfig files: one cluster (with certificate-authority-data), one
 * user (client certificate data) and one context, named "default" as k3s does.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { stringify } from "yaml";

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Names for the cluster, user and context. Default "default". */
  name?: string;
}

/** Renders a kubeconfig as YAML text. */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const name = opts.name ?? "default";
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      {
        name,
        cluster: { server: opts.server, "certificate-authority-data": b64(opts.caPem) },
      },
    ],
    users: [
      {
        name,
        user: {
          "client-certificate-data": b64(opts.clientCertPem),
          "client-key-data": b64(opts.clientKeyPem),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    preferences: {},
  };
  return stringify(config);
}

/** Writes the kubeconfig with mode 0600, creating the parent directory. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderKubeconfig(opts), { mode: 0o600 });
}
