import type { Command } from "commander";
import { addControlPlaneFlags } from "./control-plane-flags.ts";

/** `k8ts apiserver`: the API server alone. */
export function registerApiserverCommand(program: Command): void {
  addControlPlaneFlags(program.command("apiserver"))
    .description("Run the Kubernetes API server")
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
