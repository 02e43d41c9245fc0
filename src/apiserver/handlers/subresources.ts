/** Handlers of the subresources the API server itself serves. */
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { handleBinding } from "./binding.ts";
import { handleEviction } from "./eviction.ts";
import { handleGet } from "./get.ts";
import { handlePatch } from "./patch.ts";
import { handleScale } from "./scale.ts";
import { handleUpdate } from "./update.ts";

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

/** The handler of a subresource, undefined when not served (yet). */
export function subresourceHandler(_def: ResourceDef, name: string): Handler | undefined {
  return HANDLERS[name];
}
