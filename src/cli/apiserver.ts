import type { Command } from "commander";
import { addAuthFlags } from "../auth/flags.ts";
import { addFrontProxyFlags } from "../apiserver/aggregator/front-proxy.ts";
import { addServiceFlags } from "../apiserver/services/service-flags.ts";
import { addAdmissionFlags } from "../apiserver/admission/builtin/admission-flags.ts";

/** `k8ts apiserver`: the API server alone. */
export function registerApiserverCommand(program: Command): void {
  addServiceFlags(addAdmissionFlags(addFrontProxyFlags(addAuthFlags(program.command("apiserver")))))
    .description("Run the Kubernetes API server")
    .option(
      "--data-dir <dir>",
      "state directory (default /var/lib/k8ts as root, ~/.k8ts otherwise)",
    )
    .option("--bind-address <ip>", "address to listen on", "127.0.0.1")
    .option("--secure-port <port>", "HTTPS port (0: any free port)", "6443")
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
    .action(async (flags) => {
      // Loaded on use so `k8ts --help` and other commands stay fast.
      const { startControlPlane, stopOnSignals } = await import("./control-plane.ts");
      const started = startControlPlane(flags);
      stopOnSignals(started);
      const plane = await started;
      await plane.apiServer.ready;
      process.stdout.write(
        `k8ts apiserver listening on ${plane.apiServer.url}\nkubeconfig: ${plane.kubeconfigPath}\n`,
      );
    });
}
