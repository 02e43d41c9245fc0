/**
 * Admin kubeconfig files: one cluster (with certificate-authority-data), one
 * user (client certificate data) and one context, named "default" as k3s does.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export interface KubeconfigOptions {
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Names for the cluster, user and context. Default "default". */
  name?: string;
}

/**
 * Renders a kubeconfig as YAML text. The structure is fixed and every value
 * is a plain scalar or JSON-quoted, so it is written directly (no YAML
 * library on the start-up path).
 */
export function renderKubeconfig(opts: KubeconfigOptions): string {
  const name = JSON.stringify(opts.name ?? "default");
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: " + name,
    "  cluster:",
    "    server: " + JSON.stringify(opts.server),
    "    certificate-authority-data: " + b64(opts.caPem),
    "users:",
    "- name: " + name,
    "  user:",
    "    client-certificate-data: " + b64(opts.clientCertPem),
    "    client-key-data: " + b64(opts.clientKeyPem),
    "contexts:",
    "- name: " + name,
    "  context:",
    "    cluster: " + name,
    "    user: " + name,
    "current-context: " + name,
    "preferences: {}",
    "",
  ].join("\n");
}

/** Writes the kubeconfig with mode 0600, creating the parent directory. */
export async function writeKubeconfig(path: string, opts: KubeconfigOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderKubeconfig(opts), { mode: 0o600 });
}

/**
 * Merges the admin credentials into an existing kubeconfig (`path`, created
 * when absent) under entries named `opts.name` (default "k8ts"), keeping
 * every other cluster, user and context; current-context becomes ours.
 */
export async function mergeKubeconfigFile(path: string, opts: KubeconfigOptions): Promise<void> {
  const { readFile } = await import("node:fs/promises");
  const { parse, stringify } = await import("yaml");
  const { mergeKubeconfigs } = await import("./kubeconfig-file.ts");
  const ours = parse(renderKubeconfig({ ...opts, name: opts.name ?? "k8ts" }));
  const existing = await readFile(path, "utf8").catch(() => "");
  const merged = mergeKubeconfigs(existing ? parse(existing) : undefined, ours);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, stringify(merged), { mode: 0o600 });
}
