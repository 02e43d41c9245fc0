import type { Command } from "commander";
import { addControlPlaneFlags } from "./control-plane-flags.ts";

/**
 * `k8ts apiserver`: the API server alone. Like kube-apiserver (and the API
 * server inside `k8ts server`), it keeps its identity Lease
 * (kube-system/apiserver-<hash of the hostname>) and collects expired ones.
 */
export function registerApiserverCommand(program: Command): void {
  addControlPlaneFlags(program.command("apiserver"))
    .description("Run the Kubernetes API server")
    .action(async (flags) => {
      // Loaded on use so `k8ts --help` and other commands stay fast.
      const { startControlPlane, stopOnSignals } = await import("./control-plane.ts");
      const started = startControlPlane(flags);
      const identity = new AbortController();
      let identityDone: Promise<void> = Promise.resolve();
      stopOnSignals(
        started.then((plane) => ({
          stop: async () => {
            identity.abort();
            await identityDone;
            await plane.stop();
          },
        })),
      );
      const plane = await started;
      await plane.apiServer.ready;
      identityDone = runIdentityLease(plane.kubeconfigPath, identity.signal);
      process.stdout.write(
        `k8ts apiserver listening on ${plane.apiServer.url}\nkubeconfig: ${plane.kubeconfigPath}\n`,
      );
    });
}

/** Keeps the identity Lease through the admin kubeconfig until signal aborts. */
async function runIdentityLease(kubeconfigPath: string, signal: AbortSignal): Promise<void> {
  const [{ hostname }, { loadKubeconfig }, { RestClient }, { ApiServerIdentityLease }, logger] =
    await Promise.all([
      import("node:os"),
      import("../client/kubeconfig.ts"),
      import("../client/rest-client.ts"),
      import("../ha/apiserver-identity.ts"),
      import("../util/logger.ts"),
    ]);
  const log = logger.createLogger("apiserver");
  const client = new RestClient({ ...loadKubeconfig(kubeconfigPath), userAgent: "k8ts-apiserver" });
  try {
    await new ApiServerIdentityLease({
      client,
      hostname: hostname().toLowerCase(),
      log: (msg) => log.info(msg),
    }).run(signal);
  } finally {
    client.close();
  }
}
