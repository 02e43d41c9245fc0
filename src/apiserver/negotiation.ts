/**
 * Response content negotiation from the Accept header: plain JSON, YAML, or
 * a meta.k8s.io/v1 transformation (Table, PartialObjectMetadata[List]).
 * Protobuf replies are not offered; clients that accept only protobuf get 406.
 */
import { StatusError } from "../api/status.ts";

export type OutputKind = "object" | "Table" | "PartialObjectMetadata" | "PartialObjectMetadataList";

export interface Negotiated {
  /** What to send: the object itself, or a meta.k8s.io transformation of it. */
  as: OutputKind;
  /** The serialization. */
  format: "json" | "yaml";
  /** Content-Type header for the reply. */
  contentType: string;
}

interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** Parses "a/b;x=y;q=0.5, c/d" into media ranges sorted by q (stable). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || header.trim() === "") return [{ type: "*", subtype: "*", params: {}, q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of header.split(",")) {
    const [mt, ...rawParams] = part.split(";").map((s) => s.trim());
    if (!mt) continue;
    const [type, subtype = ""] = mt.toLowerCase().split("/");
    const params: Record<string, string> = {};
    let q = 1;
    for (const p of rawParams) {
      const eq = p.indexOf("=");
      if (eq < 0) continue;
      const k = p.slice(0, eq).trim().toLowerCase();
      const v = p
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, "");
      if (k === "q") q = Number(v) || 0;
      else params[k] = v;
    }
    ranges.push({ type, subtype, params, q });
  }
  return ranges
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.q - a.r.q || a.i - b.i)
    .map(({ r }) => r);
}

const NOT_ACCEPTABLE =
  "only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io";

/** Answers per Accept header: clients send the same few headers on every request. */
const answers = [new Map<string, Negotiated>(), new Map<string, Negotiated>()];
const MAX_ANSWERS = 256;

/**
 * Picks the reply form. `allowTransform` is false for endpoints whose output
 * cannot be a Table (discovery, Status-only replies). The answer is shared
 * between requests: callers must not change it.
 */
export function negotiate(accept: string | undefined, allowTransform = true): Negotiated {
  const memo = answers[allowTransform ? 1 : 0]!;
  const key = accept ?? "";
  let answer = memo.get(key);
  if (!answer) {
    answer = Object.freeze(choose(accept, allowTransform));
    if (memo.size >= MAX_ANSWERS) memo.clear();
    memo.set(key, answer);
  }
  return answer;
}

function choose(accept: string | undefined, allowTransform: boolean): Negotiated {
  for (const r of parseAccept(accept)) {
    if (r.q <= 0) continue;
    const jsonish =
      (r.type === "application" && r.subtype === "json") ||
      (r.type === "application" && r.subtype === "*") ||
      (r.type === "*" && r.subtype === "*");
    const yaml = r.type === "application" && r.subtype === "yaml";
    if (!jsonish && !yaml) continue;
    const as = r.params["as"];
    if (as) {
      if (!allowTransform) continue;
      if (
        r.params["g"] !== "meta.k8s.io" ||
        (r.params["v"] !== "v1" && r.params["v"] !== "v1beta1")
      )
        continue;
      if (as === "Table" || as === "PartialObjectMetadata" || as === "PartialObjectMetadataList") {
        const format = yaml ? "yaml" : "json";
        return {
          as,
          format,
          contentType: `application/${format};as=${as};g=meta.k8s.io;v=${r.params["v"]}`,
        };
      }
      continue;
    }
    return yaml
      ? { as: "object", format: "yaml", contentType: "application/yaml" }
      : { as: "object", format: "json", contentType: "application/json" };
  }
  throw new StatusError("NotAcceptable", NOT_ACCEPTABLE);
}
