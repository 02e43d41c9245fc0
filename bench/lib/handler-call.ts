/**
 * Calls a REST handler in process, without HTTP: a request context whose body
 * is given at once (as `data` then `end` when the handler starts reading) and
 * whose reply is kept. For benches of what the server does below its HTTP
 * layer (no authentication, authorization or routing).
 */
import type { ResourceDef } from "../../src/api/types.ts";
import type { RequestContext, ServerContext, UserInfo } from "../../src/apiserver/context.ts";
import { parseRequestInfo } from "../../src/apiserver/request-info.ts";

export interface HandlerCall {
  method: string;
  def: ResourceDef;
  namespace: string;
  name: string;
  body: string;
  contentType: string;
  user: UserInfo;
  handler: (ctx: RequestContext, def: ResourceDef) => Promise<void>;
  /** The request path when not the named object's (a collection's POST, a subresource). */
  path?: string;
}

/** The path of the named object of def in namespace (empty: cluster-scoped). */
function objectPath(def: ResourceDef, namespace: string, name: string): string {
  const root = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  return `${root}${namespace ? `/namespaces/${namespace}` : ""}/${def.resource}/${name}`;
}

/** Runs call's handler; answers the reply's text (throws the handler's error). */
export async function callHandler(server: ServerContext, call: HandlerCall): Promise<string> {
  const path = call.path ?? objectPath(call.def, call.namespace, call.name);
  const url = new URL(`https://127.0.0.1${path}`);
  const bytes = Buffer.from(call.body);
  let onData: ((chunk: Buffer) => void) | undefined;
  const req = {
    method: call.method,
    headers: {
      "content-type": call.contentType,
      "content-length": String(bytes.length),
      accept: "application/json",
      "user-agent": "bench/v0",
    },
    readableEnded: false,
    destroyed: false,
    on(event: string, fn: (arg?: unknown) => void) {
      if (event === "data") onData = fn;
      if (event === "end")
        queueMicrotask(() => {
          onData?.(bytes);
          fn();
        });
      return req;
    },
    off: () => req,
  };
  let answer = "";
  const res = {
    headersSent: false,
    destroyed: false,
    setHeader: () => undefined,
    writeHead: () => {
      res.headersSent = true;
      return res;
    },
    end: (text?: string) => {
      answer = text ?? "";
    },
  };
  const ctx = {
    req,
    res,
    url,
    query: url.searchParams,
    info: parseRequestInfo(call.method, path, url.searchParams),
    def: call.def,
    user: call.user,
    warnings: [],
    server,
  } as unknown as RequestContext;
  await call.handler(ctx, call.def);
  return answer;
}
