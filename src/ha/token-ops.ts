/**
 * The API side of `k8ts token`: bootstrap token Secrets in kube-system and
 * their signatures in kube-public/cluster-info. The bootstrapsigner
 * controller (src/controllers/bootstrap) keeps the signatures of every
 * token, however created; `k8ts token` also signs as it writes, so a join
 * command printed right away works before the controller's next pass.
 */
import type { KObject } from "../api/types.ts";
import { isNotFound } from "../client/api-error.ts";
import type { RestClient } from "../client/rest-client.ts";
import { configMapsRef, secretsRef } from "../client/resources.ts";
import {
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  formatToken,
  tokenInfo,
  tokenSecret,
  type BootstrapToken,
  type TokenInfo,
  type TokenSecretOptions,
} from "./bootstrap-token.ts";
import { CLUSTER_INFO, JWS_KEY_PREFIX, signDetached } from "./cluster-info.ts";
import { publishBootstrapInfo } from "./publish-bootstrap.ts";

/**
 * Creates the token's Secret and, for signing tokens, its cluster-info
 * signature; cluster-info (and the discovery RBAC) is published from
 * `cluster` first when the server has none.
 */
export async function createToken(
  client: RestClient,
  token: BootstrapToken,
  opts: TokenSecretOptions,
  cluster?: { server: string; caPem: string },
): Promise<void> {
  const secret = tokenSecret(token, opts);
  await client.create(secretsRef, "kube-system", secret);
  if (!(opts.usages ?? ["authentication", "signing"]).includes("signing")) return;
  const readClusterInfo = () =>
    client.get<KObject & { data?: Record<string, string> }>(
      configMapsRef,
      CLUSTER_INFO.namespace,
      CLUSTER_INFO.name,
    );
  let cm;
  try {
    cm = await readClusterInfo();
  } catch (err) {
    // A server that is not an HA server publishes no cluster-info: publish it now.
    if (!isNotFound(err) || !cluster) throw err;
    await publishBootstrapInfo(client, cluster);
    cm = await readClusterInfo();
  }
  const kubeconfig = cm.data?.kubeconfig;
  if (!kubeconfig)
    throw new Error(
      `Cannot sign ${CLUSTER_INFO.namespace}/${CLUSTER_INFO.name}: no kubeconfig key`,
    );
  await client.patch(configMapsRef, CLUSTER_INFO.namespace, CLUSTER_INFO.name, "merge", {
    data: { [JWS_KEY_PREFIX + token.id]: signDetached(kubeconfig, token) },
  });
}

/** The bootstrap tokens of the cluster, by id. */
export async function listTokens(client: RestClient): Promise<TokenInfo[]> {
  const list = await client.list<KObject>(secretsRef, "kube-system", {
    fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}`,
  });
  return list.items
    .map(tokenInfo)
    .filter((t): t is TokenInfo => t !== undefined)
    .sort((a, b) => a.token.id.localeCompare(b.token.id));
}

/** Deletes a token (given as id or id.secret) and its signature; false when it does not exist. */
export async function deleteToken(client: RestClient, idOrToken: string): Promise<boolean> {
  const id = idOrToken.split(".")[0]!;
  let found = true;
  try {
    await client.delete(secretsRef, "kube-system", BOOTSTRAP_TOKEN_SECRET_PREFIX + id);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    found = false;
  }
  try {
    await client.patch(configMapsRef, CLUSTER_INFO.namespace, CLUSTER_INFO.name, "merge", {
      data: { [JWS_KEY_PREFIX + id]: null },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  return found;
}

/** The command a new server (control-plane token) or node runs to join. */
export function joinCommand(opts: {
  server: string;
  token: BootstrapToken;
  caCertHash: string;
  controlPlane: boolean;
}): string {
  return [
    opts.controlPlane ? "k8ts server" : "k8ts agent",
    `--server ${opts.server}`,
    `--token ${formatToken(opts.token)}`,
    `--discovery-token-ca-cert-hash ${opts.caCertHash}`,
  ].join(" ");
}
