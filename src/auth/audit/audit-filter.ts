/**
 * The audit filter: for each request the policy's level decides whether
 * audit.k8s.io/v1 Event JSON lines are written to --audit-log-path, at the
 * RequestReceived and ResponseComplete stages, with the user, impersonated
 * user (filled by a later filter), objectRef, response status and, at
 * RequestResponse level, the response body when it was JSON.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import type { Filter } from "../../apiserver/pipeline.ts";
import type { RequestContext } from "../../apiserver/context.ts";
import { attributesOf } from "../filters.ts";
import { evaluatePolicy, type AuditPolicy, type AuditStage } from "./policy.ts";

/** Microsecond-precision RFC 3339, as upstream's MicroTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export interface AuditSink {
  write(event: object): void;
  close(): Promise<void>;
}

/** Appends JSON lines to a file ("-" is stdout). */
export function fileSink(path: string): AuditSink {
  const out: WriteStream | NodeJS.WriteStream =
    path === "-" ? process.stdout : createWriteStream(path, { flags: "a", mode: 0o600 });
  return {
    write: (event) => void out.write(JSON.stringify(event) + "\n"),
    close: () =>
      new Promise((resolve) =>
        out === process.stdout ? resolve() : (out as WriteStream).end(() => resolve()),
      ),
  };
}

function userOf(u: RequestContext["user"]): Record<string, unknown> {
  const out: Record<string, unknown> = { username: u.username };
  if (u.uid) out.uid = u.uid;
  out.groups = u.groups;
  if (u.extra) out.extra = u.extra;
  return out;
}

export function auditFilter(policy: AuditPolicy, sink: AuditSink, now: () => number): Filter {
  return async (ctx, next) => {
    const authenticated = ctx.user;
    const attrs = attributesOf(ctx);
    const { level, omitStages } = evaluatePolicy(policy, attrs);
    if (level === "None") return next();
    const received = now();
    const auditID = String(ctx.req.headers["audit-id"] ?? randomUUID());
    ctx.res.setHeader("Audit-Id", auditID);
    const i = ctx.info;
    const base = (stage: AuditStage): Record<string, unknown> => {
      const e: Record<string, unknown> = {
        kind: "Event",
        apiVersion: "audit.k8s.io/v1",
        level,
        auditID,
        stage,
        requestURI: ctx.req.url ?? "",
        verb: i.verb,
        user: userOf(authenticated),
      };
      if (ctx.user !== authenticated) e.impersonatedUser = userOf(ctx.user);
      e.sourceIPs = [ctx.req.socket.remoteAddress ?? ""];
      if (ctx.req.headers["user-agent"]) e.userAgent = ctx.req.headers["user-agent"];
      if (i.isResourceRequest) {
        const ref: Record<string, unknown> = { resource: i.resource };
        if (i.namespace) ref.namespace = i.namespace;
        if (i.name) ref.name = i.name;
        if (i.apiGroup) ref.apiGroup = i.apiGroup;
        ref.apiVersion = i.apiVersion;
        if (i.subresource) ref.subresource = i.subresource;
        e.objectRef = ref;
      }
      e.requestReceivedTimestamp = microTime(received);
      e.stageTimestamp = microTime(now());
      return e;
    };
    if (!omitStages.includes("RequestReceived")) sink.write(base("RequestReceived"));
    let captured: string | undefined;
    if (level === "RequestResponse") {
      const end = ctx.res.end.bind(ctx.res) as (...args: unknown[]) => unknown;
      (ctx.res as unknown as { end: (...args: unknown[]) => unknown }).end = (
        ...args: unknown[]
      ) => {
        const chunk = args[0];
        if (typeof chunk === "string" || Buffer.isBuffer(chunk)) captured = chunk.toString();
        return end(...args);
      };
    }
    let code = 200;
    let message: string | undefined;
    let reason: string | undefined;
    try {
      await next();
      code = ctx.res.statusCode;
    } catch (err) {
      const e = err as { code?: unknown; message?: string; reason?: string };
      code = typeof e.code === "number" ? e.code : 500;
      message = e.message;
      reason = e.reason;
      throw err;
    } finally {
      if (!omitStages.includes("ResponseComplete")) {
        const e = base("ResponseComplete");
        const status: Record<string, unknown> = { metadata: {}, code };
        if (code >= 400) {
          status.status = "Failure";
          if (message) status.message = message;
          if (reason) status.reason = reason;
        }
        e.responseStatus = status;
        if (
          captured !== undefined &&
          (ctx.res.getHeader("content-type") ?? "").toString().includes("json")
        ) {
          try {
            e.responseObject = JSON.parse(captured);
          } catch {
            // not JSON: omitted
          }
        }
        e.annotations = {
          ...ctx.auditAnnotations,
          "authorization.k8s.io/decision": code === 403 ? "forbid" : "allow",
        };
        sink.write(e);
      }
    }
  };
}
