/**
 * OpenAPI of aggregated APIs, as upstream's aggregator OpenAPI controllers:
 * /openapi/v2 is the server's own document with each available extension
 * server's paths (under its /apis/<group>/<version>) and definitions
 * added (existing definitions win), and /openapi/v3 lists each extension
 * group-version beside the built-in ones, serving the document fetched from
 * its server. So `kubectl explain` and client-side tooling see aggregated
 * resources.
 *
 * Contract: `specs()` returns what the availability checks last fetched; the
 * merged v2 document is rebuilt only when the base document or a spec changed.
 */
import type { Extensions } from "../extensions.ts";
import type { OpenAPIHTTPResponse, OpenAPIRequest } from "../../api/schema/openapi-service.ts";
import { openapiHash, openapiJSON, type OpenAPIObject } from "../../api/schema/openapi.ts";

type Rec = Record<string, unknown>;

/** What one available extension group-version serves. */
export interface AggregatedSpec {
  group: string;
  version: string;
  /** Its /openapi/v2 document (absent when it serves none). */
  v2?: Rec;
  /** Its /openapi/v3/apis/<group>/<version> document as canonical JSON with hash. */
  v3?: { json: string; hash: string };
}

const JSON_TYPE = { "Content-Type": "application/json" };
const PROTO_V2 = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
const PROTO_V2_LEGACY = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch.split(",").some((t) => t.trim() === etag);
}

const bodyText = (b: string | Uint8Array) =>
  typeof b === "string" ? b : Buffer.from(b).toString("utf8");

/** Adds the specs' v2 paths and definitions to `base` (a parsed v2 document; not mutated). */
export function mergeV2(base: Rec, specs: AggregatedSpec[]): Rec {
  const paths = { ...((base.paths ?? {}) as Rec) };
  const definitions = { ...((base.definitions ?? {}) as Rec) };
  for (const s of specs) {
    if (!s.v2) continue;
    const prefix = `/apis/${s.group}/${s.version}`;
    for (const [p, item] of Object.entries((s.v2.paths ?? {}) as Rec))
      if (p === prefix || p.startsWith(`${prefix}/`)) paths[p] ??= item;
    for (const [name, def] of Object.entries((s.v2.definitions ?? {}) as Rec))
      definitions[name] ??= def;
  }
  return { ...base, paths, definitions };
}

/** Extensions whose OpenAPI answers include the aggregated specs. */
export function aggregatedOpenAPI(base: Extensions, specs: () => AggregatedSpec[]): Extensions {
  let v2Cache:
    { key: string; json: string; etag: string; protobuf?: Promise<Uint8Array> } | undefined;

  const v2 = async (req: OpenAPIRequest, list: AggregatedSpec[]): Promise<OpenAPIHTTPResponse> => {
    const own = await base.openapi({ path: "/openapi/v2", accept: "application/json" });
    if (own.status !== 200) return own;
    const key = JSON.stringify([own.headers.ETag, list.map((s) => [s.group, s.version, s.v2])]);
    if (v2Cache?.key !== key) {
      const merged = mergeV2(JSON.parse(bodyText(own.body)) as Rec, list);
      const json = openapiJSON(merged);
      v2Cache = { key, json, etag: `"${openapiHash(json)}"` };
    }
    const cache = v2Cache;
    const accept = req.accept ?? "";
    const proto = accept.includes(PROTO_V2) || accept.includes(PROTO_V2_LEGACY);
    const etag = proto ? cache.etag.replace(/"$/, '-pb"') : cache.etag;
    const headers = { ETag: etag, "Cache-Control": "no-cache, private", Vary: "Accept" };
    if (matches(req.ifNoneMatch, etag)) return { status: 304, headers, body: "" };
    if (!proto) return { status: 200, headers: { ...headers, ...JSON_TYPE }, body: cache.json };
    cache.protobuf ??= import("../../api/schema/openapi-v2-proto.ts").then((m) =>
      m.openapiV2Protobuf(JSON.parse(cache.json) as OpenAPIObject),
    );
    return {
      status: 200,
      headers: { ...headers, "Content-Type": PROTO_V2 },
      body: await cache.protobuf,
    };
  };

  const v3Index = async (req: OpenAPIRequest, list: AggregatedSpec[]) => {
    const own = await base.openapi(req);
    if (own.status !== 200) return own;
    const index = JSON.parse(bodyText(own.body)) as { paths: Record<string, unknown> };
    for (const s of list) {
      const key = `apis/${s.group}/${s.version}`;
      if (s.v3 && !index.paths[key])
        index.paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${s.v3.hash}` };
    }
    return { ...own, body: openapiJSON(index) };
  };

  const v3Document = (
    req: OpenAPIRequest,
    doc: { json: string; hash: string },
  ): OpenAPIHTTPResponse => {
    const etag = `"${doc.hash}"`;
    const wanted = new URLSearchParams(req.search ?? "").get("hash");
    if (wanted !== null && wanted !== doc.hash)
      return {
        status: 301,
        headers: {
          Location: `${req.path}?hash=${doc.hash}`,
          "Cache-Control": "no-cache, private",
        },
        body: "",
      };
    const caching: Record<string, string> =
      wanted === null
        ? { "Cache-Control": "no-cache, private" }
        : { "Cache-Control": "public, immutable", Expires: "Thu, 31 Dec 2099 23:59:59 GMT" };
    if (matches(req.ifNoneMatch, etag))
      return { status: 304, headers: { ETag: etag, ...caching }, body: "" };
    return {
      status: 200,
      headers: { ...JSON_TYPE, ETag: etag, ...caching },
      body: doc.json,
    };
  };

  return {
    ...base,
    async openapi(req) {
      const list = specs();
      if (list.length === 0) return base.openapi(req);
      if (req.path === "/openapi/v2") return v2(req, list);
      if (req.path === "/openapi/v3" || req.path === "/openapi/v3/") return v3Index(req, list);
      const own = await base.openapi(req);
      if (own.status !== 404) return own;
      const key = req.path.replace(/^\/openapi\/v3\//, "");
      const spec = list.find((s) => `apis/${s.group}/${s.version}` === key && s.v3);
      return spec ? v3Document(req, spec.v3!) : own;
    },
  };
}
