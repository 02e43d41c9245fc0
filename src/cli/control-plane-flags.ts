import type { Command } from "commander";
import { addAuthFlags } from "../auth/flags.ts";
import { addFrontProxyFlags } from "../apiserver/aggregator/front-proxy.ts";
import { addAdmissionFlags } from "../apiserver/admission/builtin/admission-flags.ts";
import { addServiceFlags } from "../apiserver/services/service-flags.ts";

/**
 * The API server's flags, shared by `k8ts apiserver` and `k8ts server`:
 * authentication/authorization, front proxy, admission, service ranges,
 * listening address, datastore and serving certificate.
 */
export function addControlPlaneFlags(command: Command): Command {
  return addServiceFlags(addAdmissionFlags(addFrontProxyFlags(addAuthFlags(command))))
    .option(
      "--data-dir <dir>",
      "state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)",
    )
    .option("--bind-address <ip>", "address to listen on", "127.0.0.1")
    .option("--secure-port <port>", "HTTPS port of the API server (0: any free port)", "6443")
    .option(
      "--datastore-endpoint <url>",
      "sqlite:///FILE, etcd://H:P,... (default: SQLite under the data dir)",
    )
    .option("--write-kubeconfig <file>", "also write the admin kubeconfig here")
    .option("--tls-cert-file <file>", "serving certificate (generated when absent)")
    .option("--tls-private-key-file <file>", "serving key")
    .option("--etcd-cafile <file>", "CA bundle for etcd TLS")
    .option("--etcd-certfile <file>", "client certificate for etcd TLS")
    .option("--etcd-keyfile <file>", "client key for etcd TLS")
    .option(
      "--request-timeout <duration>",
      "deadline of requests other than watches and streams; clients may ask for less with ?timeout=",
      "1m0s",
    );
}
