/**
 * Token discovery, as `kubeadm join` does it: read kube-public/cluster-info
 * from the server without trusting its certificate yet (anonymously, or with
 * the bootstrap token when anonymous access is off), then trust the CA in it
 * only if the token's JWS signature over it verifies (and, when given, the
 * CA's public-key hash matches). Later requests verify the server with that
 * CA and authenticate with the token.
 */
import { request } from "node:https";
import type { KObject } from "../api/types.ts";
import { formatToken, type BootstrapToken } from "./bootstrap-token.ts";
import {
  APISERVERS_KEY,
  CLUSTER_INFO,
  caCertHash,
  JWS_KEY_PREFIX,
  parseClusterInfoKubeconfig,
  verifyDetached,
} from "./cluster-info.ts";
import {
  BUNDLE_SECRET,
  bundleFromSecret,
  type ControlPlaneBundle,
} from "./control-plane-bundle.ts";

export type JoinErrorCode =
  | "Unreachable"
  | "TokenRefused"
  | "NotSigned"
  | "SignatureMismatch"
  | "CaHashMismatch"
  | "Forbidden";

/** Why a join failed; `code` is stable. */
export class JoinError extends Error {
  constructor(
    readonly code: JoinErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "JoinError";
  }
}

interface Answer {
  status: number;
  body: string;
}

function get(
  url: string,
  opts: { ca?: string; token?: string; timeoutMs?: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        headers: {
          Accept: "application/json",
          "User-Agent": "k8ts-join",
          ...(opts.token ? { Authorization: `Bearer ${opts.token}` } : {}),
        },
        ca: opts.ca,
        rejectUnauthorized: opts.ca !== undefined,
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", (err) =>
      reject(new JoinError("Unreachable", `Cannot reach ${url}: ${err.message}`)),
    );
    req.end();
  });
}

const clusterInfoPath = `/api/v1/namespaces/${CLUSTER_INFO.namespace}/configmaps/${CLUSTER_INFO.name}`;

/** The verified server URL (as given) and cluster CA. */
export async function discoverCluster(
  server: string,
  token: BootstrapToken,
  opts: { caCertHash?: string } = {},
): Promise<{ server: string; caPem: string; apiservers: string[] }> {
  const url = new URL(clusterInfoPath, server).toString();
  let answer = await get(url, {});
  if (answer.status === 401 || answer.status === 403)
    answer = await get(url, { token: formatToken(token) });
  if (answer.status === 401 || answer.status === 403)
    throw new JoinError("TokenRefused", `Cannot join ${server}: the server refused the token`);
  if (answer.status !== 200)
    throw new JoinError(
      "Unreachable",
      `Cannot read cluster-info from ${server}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`,
    );
  const cm = JSON.parse(answer.body) as KObject & { data?: Record<string, string> };
  const kubeconfig = cm.data?.kubeconfig ?? "";
  const jws = cm.data?.[JWS_KEY_PREFIX + token.id];
  if (!jws)
    throw new JoinError(
      "NotSigned",
      `Cannot join ${server}: cluster-info has no signature for token id ${token.id} (unknown or expired token)`,
    );
  if (!verifyDetached(kubeconfig, jws, token))
    throw new JoinError(
      "SignatureMismatch",
      `Cannot join ${server}: cluster-info signature does not match the token`,
    );
  const { caPem } = parseClusterInfoKubeconfig(kubeconfig);
  if (opts.caCertHash && caCertHash(caPem) !== opts.caCertHash.toLowerCase())
    throw new JoinError(
      "CaHashMismatch",
      `Cannot join ${server}: cluster CA hash ${caCertHash(caPem)} is not ${opts.caCertHash}`,
    );
  // The server must prove it holds a certificate from that CA.
  const check = await get(new URL("/version", server).toString(), {
    ca: caPem,
    token: formatToken(token),
  }).catch((err: Error) => {
    throw new JoinError(
      "Unreachable",
      `Cannot verify ${server} with the cluster CA: ${err.message}`,
    );
  });
  if (check.status >= 500)
    throw new JoinError("Unreachable", `Cannot verify ${server}: HTTP ${check.status}`);
  const apiservers = (cm.data?.[APISERVERS_KEY] ?? "")
    .split(",")
    .filter((u) => u.startsWith("https://"));
  return { server, caPem, apiservers };
}

/** Fetches the control-plane bundle with the token (which must be in the control-plane group). */
export async function fetchControlPlaneBundle(
  server: string,
  caPem: string,
  token: BootstrapToken,
): Promise<ControlPlaneBundle> {
  const path = `/api/v1/namespaces/${BUNDLE_SECRET.namespace}/secrets/${BUNDLE_SECRET.name}`;
  const answer = await get(new URL(path, server).toString(), {
    ca: caPem,
    token: formatToken(token),
  });
  if (answer.status === 401)
    throw new JoinError("TokenRefused", `Cannot join ${server}: the server refused the token`);
  if (answer.status === 403)
    throw new JoinError(
      "Forbidden",
      `Cannot join ${server} as a server: the token may not join control-plane servers (create one with k8ts token create)`,
    );
  if (answer.status !== 200)
    throw new JoinError(
      "Unreachable",
      `Cannot read the control-plane bundle from ${server}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`,
    );
  return bundleFromSecret(JSON.parse(answer.body) as KObject);
}
