/**
 * Installs CustomResourceDefinition support into an API server: the
 * CRD-aware extensions and the CRD controller. `ready` resolves once the
 * CRDs in storage are served again (start-up after a restart).
 */
import type { ServerContext } from "../apiserver/context.ts";
import { CrdController } from "./controller.ts";
import { crdExtensions } from "./extensions.ts";

export interface ApiExtensions {
  controller: CrdController;
  ready: Promise<void>;
}

/** Wraps `context.extensions` and starts the CRD controller. */
export function installApiExtensions(context: ServerContext): ApiExtensions {
  context.extensions = crdExtensions(context.extensions, context.registry);
  const controller = new CrdController(context);
  const ready = startWithRetry(controller, context.signal);
  ready.catch(() => undefined);
  return { controller, ready };
}

async function startWithRetry(controller: CrdController, signal: AbortSignal): Promise<void> {
  for (;;) {
    try {
      await controller.start();
      return;
    } catch (e) {
      if (signal.aborted) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
