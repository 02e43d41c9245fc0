/**
 * Kubernetes regex library: `s.find(re)` (first match or ""),
 * `s.findAll(re)` and `s.findAll(re, n)`. Patterns are checked with the RE2
 * engine CEL's `matches` uses, then run with an equivalent JS RegExp.
 */
import { RE2JS } from "@bufbuild/re2";
import type { CelFunc, CelValue } from "@bufbuild/cel";
import { chargeCost } from "../context.ts";
import { dynMethod } from "./func.ts";

const cache = new Map<string, RegExp>();

/** Compiles an RE2 pattern to a global JS RegExp; throws on invalid patterns. */
export function compileRegex(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  RE2JS.compile(pattern);
  let body = pattern;
  let flags = "gu";
  const m = /^\(\?([imsU]+)\)/.exec(body);
  if (m) {
    body = body.slice(m[0].length);
    for (const f of m[1]!) if (f !== "U" && !flags.includes(f)) flags += f;
  }
  const re = new RegExp(body.replace(/\\z/g, "$"), flags);
  if (cache.size > 256) cache.clear();
  cache.set(pattern, re);
  return re;
}

function findAll(s: string, pattern: string, limit: number): string[] {
  chargeCost(1 + Math.ceil(s.length / 10));
  const re = compileRegex(pattern);
  const out: string[] = [];
  if (limit === 0) return out;
  for (const m of s.matchAll(re)) {
    out.push(m[0]);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

function strArgs(t: CelValue, args: CelValue[]): args is string[] {
  return typeof t === "string" && args.every((a) => typeof a === "string");
}

/** The regex functions. */
export const regexFuncs: CelFunc[] = [
  dynMethod("find", 1, (t, args) =>
    strArgs(t, args) ? (findAll(t as string, args[0]!, 1)[0] ?? "") : undefined,
  ),
  dynMethod("findAll", 1, (t, args) =>
    strArgs(t, args) ? findAll(t as string, args[0]!, -1) : undefined,
  ),
  dynMethod("findAll", 2, (t, [p, n]) =>
    typeof t === "string" && typeof p === "string" && typeof n === "bigint"
      ? findAll(t, p, Number(n))
      : undefined,
  ),
];
