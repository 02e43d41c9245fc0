/** Handlers of the subresources the API server itself serves. */
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { handleBinding } from "./binding.ts";
import { handleEviction } from "./eviction.ts";
import { handleGet } from "./get.ts";
import { handlePatch } from "./patch.ts";
import { handleScale } from "./scale.ts";
import { handleUpdate } from "./update.ts";
import {
  handleNodeProxy,
  handlePodExecAttach,
  handlePodLog,
  handlePodPortForward,
} from "../proxy/pod-subresources.ts";
import { handlePodProxy, handleServiceProxy } from "../proxy/workload-proxy.ts";

export type Handler = (ctx: RequestContext, def: ResourceDef) => Promise<void>;

/** status/ephemeralcontainers: the object itself, writes limited by the strategy. */
const objectView: Handler = (ctx, def) => {
  switch (ctx.info.verb) {
    case "get":
      return handleGet(ctx, def);
    case "update":
      return handleUpdate(ctx, def);
    default:
      return handlePatch(ctx, def);
  }
};

const HANDLERS: Record<string, Handler> = {
  status: objectView,
  finalize: (ctx, def) => handleUpdate(ctx, def),
  scale: handleScale,
  binding: handleBinding,
  eviction: handleEviction,
};

/** Subresources served by the kubelet, reached through the API server (core/v1 only). */
const POD_HANDLERS: Record<string, Handler> = {
  log: handlePodLog,
  exec: handlePodExecAttach,
  attach: handlePodExecAttach,
  portforward: handlePodPortForward,
  proxy: handlePodProxy,
};

/** The handler of a subresource, undefined when not served (yet). */
export function subresourceHandler(def: ResourceDef, name: string): Handler | undefined {
  if (def.group === "" && def.resource === "pods" && POD_HANDLERS[name]) return POD_HANDLERS[name];
  if (def.group === "" && def.resource === "nodes" && name === "proxy") return handleNodeProxy;
  if (def.group === "" && def.resource === "services" && name === "proxy")
    return handleServiceProxy;
  return HANDLERS[name];
}

/** Subresources whose path continues after the subresource name (`nodes/n/proxy/a/b`). */
export function acceptsSubpath(def: ResourceDef, name: string): boolean {
  return (
    name === "proxy" && def.group === "" && ["nodes", "pods", "services"].includes(def.resource)
  );
}
