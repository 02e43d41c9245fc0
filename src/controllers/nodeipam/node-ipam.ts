/**
 * The controller manager's "nodeipam" controller: the RangeAllocator when
 * --allocate-node-cidrs is on (a config given), otherwise idle (upstream
 * does not start it).
 */
import type { EventRecorder } from "../../client/event-recorder.ts";
import type { ControllerDeps } from "../queue-controller.ts";
import { RangeAllocator, type NodeIpamConfig } from "./range-allocator.ts";

export type { NodeIpamConfig } from "./range-allocator.ts";

/** What the manager hands the controller. */
export interface NodeIpamContext extends ControllerDeps {
  recorder: EventRecorder;
  /** --allocate-node-cidrs with its ranges; absent: allocation is off. */
  nodeIpam?: NodeIpamConfig;
}

/** The nodeipam controller for a manager context. Throws on an invalid configuration. */
export function nodeIpamController(ctx: NodeIpamContext): {
  run(workers: number, signal: AbortSignal): Promise<void>;
} {
  if (!ctx.nodeIpam)
    return {
      run: (_workers, signal) =>
        new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        }),
    };
  return new RangeAllocator({ ...ctx, ...ctx.nodeIpam });
}
