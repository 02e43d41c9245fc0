import { test } from "node:test";
import assert from "node:assert/strict";
import type { RequestContext } from "../apiserver/context.ts";
import { parseRequestInfo } from "../apiserver/request-info.ts";
import { authorizeFilter } from "./filters.ts";
import type { Authorizer } from "./types.ts";

function ctxFor(method: string, path: string, upgrade?: string): RequestContext {
  return {
    req: { headers: upgrade ? { upgrade } : {} },
    info: parseRequestInfo(method, path, new URLSearchParams()),
    user: { username: "alice", groups: ["system:authenticated"] },
  } as unknown as RequestContext;
}

test("WebSocket exec/attach/portforward need get and create; other requests one verb", async () => {
  const cases: [string, string, string | undefined, string[], string[]][] = [
    // method, path, upgrade header, verbs alice has, verbs asked
    ["GET", "/api/v1/namespaces/d/pods/p/exec", "websocket", ["get", "create"], ["get", "create"]],
    ["GET", "/api/v1/namespaces/d/pods/p/exec", "websocket", ["get"], ["get", "create"]],
    [
      "GET",
      "/api/v1/namespaces/d/pods/p/portforward",
      "websocket",
      ["get", "create"],
      ["get", "create"],
    ],
    ["POST", "/api/v1/namespaces/d/pods/p/exec", "SPDY/3.1", ["create"], ["create"]],
    ["GET", "/api/v1/namespaces/d/pods/p/log", undefined, ["get"], ["get"]],
    ["GET", "/api/v1/nodes/n/proxy/healthz", "websocket", ["get"], ["get"]],
  ];
  for (const [method, path, upgrade, has, want] of cases) {
    const asked: string[] = [];
    const authorizer: Authorizer = {
      authorize: async (a) => {
        asked.push(a.verb);
        return { decision: has.includes(a.verb) ? "allow" : "deny", reason: "" } as any;
      },
    } as Authorizer;
    let reached = false;
    const run = authorizeFilter(authorizer)(ctxFor(method, path, upgrade), async () => {
      reached = true;
    });
    if (want.every((v) => has.includes(v))) await run;
    else await assert.rejects(run, /forbidden/);
    assert.deepEqual(asked, want, `${method} ${path}`);
    assert.equal(
      reached,
      want.every((v) => has.includes(v)),
    );
  }
});
