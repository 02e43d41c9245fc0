/**
 * --use-service-account-credentials: a client per controller authenticated
 * as its service account kube-system/<name> (upstream's
 * SAControllerClientBuilder). The service account is created when missing;
 * its token comes from the TokenRequest API (1 hour) and is renewed at 80 %
 * of its lifetime by updating the client's bearer token in place.
 */
import { RestClient } from "../../client/rest-client.ts";
import type { ClientConfig } from "../../client/kubeconfig.ts";
import { isAlreadyExists } from "../../client/api-error.ts";
import { serviceAccountsRef } from "../../client/resources.ts";
import { CONTROLLER_SERVICE_ACCOUNTS } from "../rbac/controller-policy.ts";

const TOKEN_SECONDS = 3600;

export interface ControllerClientBuilder {
  /** The client of a controller, or undefined when it keeps the manager's identity. */
  clientFor(controller: string): Promise<RestClient | undefined>;
  /** Stops token renewal and closes the clients. */
  stop(): void;
}

/**
 * `root` (the controller manager's own client) creates the service accounts
 * and requests their tokens; `base` is the connection (server, CA) the
 * controller clients share, without credentials.
 */
export function controllerClientBuilder(
  root: RestClient,
  base: Pick<ClientConfig, "server" | "ca" | "qps" | "burst" | "socketPath">,
): ControllerClientBuilder {
  const timers: NodeJS.Timeout[] = [];
  const clients: RestClient[] = [];
  const requestToken = async (sa: string): Promise<{ token: string; expiresMs: number }> => {
    const out = await root.request<{ status: { token: string; expirationTimestamp: string } }>(
      "POST",
      `/api/v1/namespaces/kube-system/serviceaccounts/${sa}/token`,
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: TOKEN_SECONDS },
        },
      },
    );
    return {
      token: out.status.token,
      expiresMs: Date.parse(out.status.expirationTimestamp) - Date.now(),
    };
  };
  return {
    async clientFor(controller) {
      const sa = CONTROLLER_SERVICE_ACCOUNTS[controller];
      if (!sa) return undefined;
      try {
        await root.create(serviceAccountsRef, "kube-system", {
          apiVersion: "v1",
          kind: "ServiceAccount",
          metadata: { name: sa, namespace: "kube-system" },
        });
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      const first = await requestToken(sa);
      // The client reads config.token on every request: renewal replaces it in place.
      const config: ClientConfig = {
        server: base.server,
        ca: base.ca,
        socketPath: base.socketPath,
        token: first.token,
        qps: base.qps,
        burst: base.burst,
        userAgent: `k8ts-controller-manager/${sa}`,
      };
      const client = new RestClient(config);
      clients.push(client);
      const renew = (inMs: number) => {
        const t = setTimeout(
          () => {
            requestToken(sa)
              .then((next) => {
                config.token = next.token;
                renew(next.expiresMs * 0.8);
              })
              .catch(() => renew(10_000));
          },
          Math.max(1000, inMs),
        );
        t.unref();
        timers.push(t);
      };
      renew(first.expiresMs * 0.8);
      return client;
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      for (const c of clients) c.close();
    },
  };
}
