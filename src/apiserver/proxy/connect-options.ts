/**
 * Typed readers of a CONNECT request's options for the handlers, taken
 * from `admittedConnectOptions` (so a mutating webhook's changes apply, as
 * upstream's connecters receive the admitted options object). A field of
 * the wrong type — only a webhook patch can produce one — fails as
 * upstream's decode into the typed options would: 500 InternalError.
 */
import { StatusError } from "../../api/status.ts";
import { admittedConnectOptions } from "../admission/connect-admission.ts";
import type { RequestContext } from "../context.ts";

/** PodExecOptions / PodAttachOptions fields. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  container?: string;
  command: string[];
}

type Rec = Record<string, unknown>;

function wrongType(kind: unknown, field: string, want: string): StatusError {
  const message = `json: cannot unmarshal ${kind}.${field}: expected ${want}`;
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

function options(ctx: RequestContext): Rec {
  return (admittedConnectOptions(ctx) ?? {}) as Rec;
}

function bool(o: Rec, field: string): boolean {
  const v = o[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean") throw wrongType(o.kind, field, "a boolean");
  return v;
}

function str(o: Rec, field: string): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw wrongType(o.kind, field, "a string");
  return v;
}

function list<T>(o: Rec, field: string, ok: (x: unknown) => x is T, want: string): T[] {
  const v = o[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every(ok)) throw wrongType(o.kind, field, want);
  return v;
}

/** exec/attach options. */
export function streamOptions(ctx: RequestContext): StreamOptions {
  const o = options(ctx);
  return {
    stdin: bool(o, "stdin"),
    stdout: bool(o, "stdout"),
    stderr: bool(o, "stderr"),
    tty: bool(o, "tty"),
    container: str(o, "container"),
    command: list(o, "command", (x): x is string => typeof x === "string", "a string array"),
  };
}

/** portforward ports. */
export function portForwardPorts(ctx: RequestContext): number[] {
  const isPort = (x: unknown): x is number => Number.isInteger(x);
  return list(options(ctx), "ports", isPort, "an integer array");
}

/** The backend path of pods/proxy, services/proxy and nodes/proxy (without leading "/"). */
export function proxyPath(ctx: RequestContext): string {
  return str(options(ctx), "path") ?? "";
}
