/**
 * Kubernetes URL library: `url(s)`, `isURL(s)` and the methods getScheme,
 * getHost, getHostname, getPort, getEscapedPath, getQuery. As upstream
 * (Go's url.ParseRequestURI), a URL is absolute or an absolute path.
 */
import type { CelFunc, CelInput, CelValue } from "@bufbuild/cel";
import { isCelMap } from "@bufbuild/cel";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";

const TAG = "url";

interface ParsedURL {
  scheme: string;
  host: string;
  hostname: string;
  port: string;
  path: string;
  query: URLSearchParams;
}

/** Parses a request URI; undefined when Go's ParseRequestURI would fail. */
export function parseRequestURI(s: string): ParsedURL | undefined {
  if (s === "" || /[\s\x00-\x1f]/.test(s)) return undefined;
  if (s.startsWith("/")) {
    let u: URL;
    try {
      u = new URL(s, "http://placeholder.invalid");
    } catch {
      return undefined;
    }
    return {
      scheme: "",
      host: "",
      hostname: "",
      port: "",
      path: rawPath(s),
      query: u.searchParams,
    };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (!m) return undefined;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return undefined;
  }
  const rest = s.slice(m[0].length);
  const authority = rest.startsWith("//") ? /^\/\/([^/?#]*)/.exec(rest)![1]! : "";
  const host = authority.includes("@")
    ? authority.slice(authority.lastIndexOf("@") + 1)
    : authority;
  const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  const hostname = (pm?.[1] ?? host).replace(/^\[|\]$/g, "");
  const afterAuthority = rest.startsWith("//") ? rest.slice(2 + authority.length) : rest;
  return {
    scheme: m[1]!,
    host,
    hostname,
    port: pm?.[2] ?? "",
    path: rawPath(afterAuthority),
    query: u.searchParams,
  };
}

function rawPath(s: string): string {
  const end = s.search(/[?#]/);
  return end < 0 ? s : s.slice(0, end);
}

function parsed(t: CelValue): ParsedURL | undefined {
  if (opaqueTag(t) !== TAG || !isCelMap(t)) return undefined;
  return parseRequestURI(String(t.get("v")));
}

function getter(name: string, fn: (u: ParsedURL) => CelInput): CelFunc {
  return dynMethod(name, 0, (t) => {
    const u = parsed(t);
    return u === undefined ? undefined : fn(u);
  });
}

/** The URL functions. */
export const urlFuncs: CelFunc[] = [
  dynFunc("url", 1, ([s]) => {
    if (typeof s !== "string") return undefined;
    if (parseRequestURI(s) === undefined) {
      throw new Error(
        `URL parse error during conversion from string: parse "${s}": invalid URI for request`,
      );
    }
    return opaque(TAG, { v: s });
  }),
  dynFunc("isURL", 1, ([s]) =>
    typeof s === "string" ? parseRequestURI(s) !== undefined : undefined,
  ),
  getter("getScheme", (u) => u.scheme),
  getter("getHost", (u) => u.host),
  getter("getHostname", (u) => u.hostname),
  getter("getPort", (u) => u.port),
  getter("getEscapedPath", (u) => u.path),
  getter("getQuery", (u) => {
    const out = new Map<string, CelInput>();
    for (const key of new Set(u.query.keys())) out.set(key, u.query.getAll(key));
    return out;
  }),
];
