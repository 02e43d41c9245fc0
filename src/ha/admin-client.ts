import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadKubeconfig, type ClientConfig } from "../client/kubeconfig.ts";
import { RestClient } from "../client/rest-client.ts";

/**
 * The admin client operator commands (`k8ts token`, ...) use: --kubeconfig,
 * else $KUBECONFIG, else <data-dir>/admin.kubeconfig of the local server.
 */
export function adminConfig(opts: { kubeconfig?: string; dataDir: string }): ClientConfig {
  const path = opts.kubeconfig ?? process.env.KUBECONFIG ?? join(opts.dataDir, "admin.kubeconfig");
  if (!existsSync(path))
    throw new Error(`Cannot find a kubeconfig at ${path}: pass --kubeconfig or --data-dir`);
  return loadKubeconfig(resolve(path));
}

/** A RestClient for adminConfig (the caller closes it). */
export function adminClient(opts: { kubeconfig?: string; dataDir: string }): {
  client: RestClient;
  config: ClientConfig;
} {
  const config = adminConfig(opts);
  return { client: new RestClient({ ...config, userAgent: "k8ts-cli" }), config };
}

/**
 * The URL a server's generated admin kubeconfig names: this server itself
 * (kubeadm's admin.conf names the advertise address and bind port): its
 * bind address (default 127.0.0.1, the only address it then listens on)
 * unless that is a wildcard, then the --advertise-address given, else
 * 127.0.0.1. Always the server's own port, so servers sharing an address on
 * different ports each get their own.
 */
export function adminServerUrl(at: {
  bindAddress?: string;
  advertiseAddress?: string;
  port: number;
}): string {
  const wildcard = (ip: string) => ip === "" || ip === "0.0.0.0" || ip === "::";
  const bind = at.bindAddress ?? "127.0.0.1";
  const host = !wildcard(bind)
    ? bind
    : at.advertiseAddress && !wildcard(at.advertiseAddress)
      ? at.advertiseAddress
      : "127.0.0.1";
  return `https://${host.includes(":") ? `[${host}]` : host}:${at.port}`;
}
