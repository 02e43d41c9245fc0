/**
 * The audit filter: for each request the policy's level decides whether
 * audit.k8s.io/v1 Event JSON lines are written to --audit-log-path, at the
 * RequestReceived, ResponseStarted (long-running requests only, when the
 * headers go out) and ResponseComplete stages, unless omitted; with the user,
 * impersonated user (filled by a later filter), objectRef and response
 * status; at Request and RequestResponse levels the request body as
 * requestObject (JSON/YAML objects and JSON/merge/strategic patches), at
 * RequestResponse the JSON response body as responseObject (not for
 * long-running requests, whose bodies are streams).
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { parseYaml } from "../../util/yaml-on-use.ts";
import type { Filter } from "../../apiserver/pipeline.ts";
import type { RequestContext } from "../../apiserver/context.ts";
import { observeBody } from "../../apiserver/request-body.ts";
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

const LONG_RUNNING_SUBRESOURCES = new Set(["log", "exec", "attach", "portforward", "proxy"]);

/** Upstream's long-running check: watches and streaming subresources. */
function isLongRunning(i: RequestContext["info"]): boolean {
  return (
    i.verb === "watch" || (i.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(i.subresource))
  );
}

/** The request body as an object for requestObject, when it is JSON, YAML or protobuf. */
async function decodeRequestObject(
  chunks: Buffer[],
  contentType: string,
  ctx: RequestContext,
): Promise<unknown> {
  if (chunks.length === 0) return undefined;
  const body = Buffer.concat(chunks);
  const type = contentType.split(";")[0].trim().toLowerCase();
  try {
    if (type === "application/vnd.kubernetes.protobuf") {
      const decode = await ctx.server.extensions.protobufDecoder();
      return decode ? await decode(body) : undefined;
    }
    const text = body.toString("utf8");
    if (type === "" || type.endsWith("json") || type === "*/*") return JSON.parse(text);
    if (type.includes("yaml")) return parseYaml(text);
  } catch {
    // undecodable bodies are left out, as upstream does for unknown encodings
  }
  return undefined;
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
    const longRunning = isLongRunning(i);
    const requestChunks: Buffer[] = [];
    if (level === "Request" || level === "RequestResponse")
      observeBody(ctx.req, (body) => void requestChunks.push(body));
    const withBodies = async (e: Record<string, unknown>) => {
      const contentType = String(ctx.req.headers["content-type"] ?? "");
      const obj = await decodeRequestObject(requestChunks, contentType, ctx);
      if (obj !== undefined) e.requestObject = obj;
      return e;
    };
    if (longRunning && !omitStages.includes("ResponseStarted")) {
      const res = ctx.res as unknown as { writeHead: (...args: unknown[]) => unknown };
      const writeHead = res.writeHead.bind(ctx.res);
      let started = false;
      res.writeHead = (...args: unknown[]) => {
        if (!started) {
          started = true;
          const e = base("ResponseStarted");
          e.responseStatus = { metadata: {}, code: args[0] };
          sink.write(e);
        }
        return writeHead(...args);
      };
    }
    const responseChunks: Buffer[] = [];
    if (level === "RequestResponse" && !longRunning) {
      const res = ctx.res as unknown as {
        write: (...args: unknown[]) => unknown;
        end: (...args: unknown[]) => unknown;
      };
      const keep = (chunk: unknown) => {
        if (typeof chunk === "string") responseChunks.push(Buffer.from(chunk));
        else if (chunk instanceof Uint8Array) responseChunks.push(Buffer.from(chunk));
      };
      const write = res.write.bind(ctx.res);
      const end = res.end.bind(ctx.res);
      res.write = (...args: unknown[]) => {
        keep(args[0]);
        return write(...args);
      };
      res.end = (...args: unknown[]) => {
        if (typeof args[0] !== "function") keep(args[0]);
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
        const e = await withBodies(base("ResponseComplete"));
        const status: Record<string, unknown> = { metadata: {}, code };
        if (code >= 400) {
          status.status = "Failure";
          if (message) status.message = message;
          if (reason) status.reason = reason;
        }
        e.responseStatus = status;
        if (
          responseChunks.length > 0 &&
          (ctx.res.getHeader("content-type") ?? "").toString().includes("json")
        ) {
          try {
            e.responseObject = JSON.parse(Buffer.concat(responseChunks).toString("utf8"));
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
