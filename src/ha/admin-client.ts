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
