import type { Command } from "commander";

/** `k8ts server`: filled in by the API server work. */
export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("Run a single-node cluster (control plane and node)")
    .option("--data-dir <dir>", "state directory")
    .action(() => {
      throw new Error("server: not implemented yet");
    });
}
