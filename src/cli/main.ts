import { Command } from "commander";
import { registerServerCommand } from "./server.ts";
import { registerApiserverCommand } from "./apiserver.ts";
import { registerControllerManagerCommand } from "./controller-manager.ts";
import { registerSchedulerCommand } from "./scheduler.ts";
import { registerCertsCommand } from "./certs.ts";
import { registerKubeconfigCommand } from "./kubeconfig.ts";
import { registerKubeletCommand } from "./kubelet.ts";
import { registerImagesCommand } from "./images.ts";
import { registerProxyCommand } from "./proxy.ts";
import { registerTokenCommand } from "./token.ts";
import { registerEtcdCommand } from "./etcd.ts";
import { registerDatastoreCommand } from "./datastore.ts";
import { registerAgentCommand } from "./agent.ts";
import { registerSimulateCommand } from "./simulate.ts";
import { registerDnsCommand } from "./dns.ts";
import { registerDevCommand } from "./dev.ts";
import { createLogger } from "../util/logger.ts";

const program = new Command();
program.name("k8ts").description("A Kubernetes-compatible cluster written in TypeScript");
registerServerCommand(program);
registerApiserverCommand(program);
registerControllerManagerCommand(program);
registerSchedulerCommand(program);
registerCertsCommand(program);
registerKubeconfigCommand(program);
registerKubeletCommand(program);
registerImagesCommand(program);
registerTokenCommand(program);
registerProxyCommand(program);
registerEtcdCommand(program);
registerDatastoreCommand(program);
registerAgentCommand(program);
registerSimulateCommand(program);
registerDnsCommand(program);
registerDevCommand(program);

// A long-running component must not die of one forgotten promise: log it
// (with its stack) in the structured format and keep serving.
const processLog = createLogger("k8ts");
process.on("unhandledRejection", (reason: unknown) => {
  processLog.error("unhandled promise rejection", {
    err: reason instanceof Error ? (reason.stack ?? reason.message) : String(reason),
  });
});

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`k8ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
