/**
 * Serves /openapi/v3 (and /openapi/v2) from the served resources: builds each
 * group-version's document on first use and keeps its canonical JSON and hash
 * (the resource set is fixed for the service's lifetime), and decides
 * responses the way upstream's handler does: hashed URLs are immutable, a
 * stale hash redirects to the current one, ETags allow 304s.
 */
import {
  openapiHash,
  openapiJSON,
  openapiPathKey,
  openapiV3Document,
  openapiV3Index,
  type GroupVersion,
  type OpenAPIObject,
  type OpenAPIResource,
} from "./openapi.ts";
import type { SchemaRegistry } from "./schema-registry.ts";
import { openapiV2Document, toV2Schema } from "./openapi-v2.ts";
import {
  OPENAPI_V2_PROTOBUF,
  OPENAPI_V2_PROTOBUF_LEGACY,
  openapiV2Protobuf,
} from "./openapi-v2-proto.ts";

/** A served resource with its group-version (a ResourceDef fits). */
export type ServedResource = OpenAPIResource & GroupVersion;

export interface OpenAPIDocumentBytes {
  json: string;
  hash: string;
}

export interface OpenAPIHTTPResponse {
  status: 200 | 301 | 304 | 404;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** The parts of a GET request the OpenAPI endpoints look at. */
export interface OpenAPIRequest {
  /** URL path, e.g. "/openapi/v3/apis/apps/v1". */
  path: string;
  /** URL query including "?", or "". */
  search?: string;
  ifNoneMatch?: string;
  accept?: string;
}

export class OpenAPIService {
  readonly #byKey = new Map<string, { gv: GroupVersion; resources: OpenAPIResource[] }>();
  readonly #docs = new Map<string, OpenAPIDocumentBytes>();
  #index: string | undefined;
  #v2: { json: string; protobuf: Uint8Array; etag: string } | undefined;

  /**
   * `overrides` replace generated component schemas by full type name (custom
   * resources: the CRD's own schema in place of its placeholder type).
   */
  constructor(
    resources: readonly ServedResource[],
    readonly registry: SchemaRegistry,
    readonly overrides: ReadonlyMap<string, OpenAPIObject> = new Map(),
    /**
     * Documents shared between services (keyed by what a document is built
     * from), so a service rebuilt after a CRD change rebuilds only the
     * group-versions that changed.
     */
    readonly documentCache?: Map<string, OpenAPIDocumentBytes>,
  ) {
    for (const r of resources) {
      const key = openapiPathKey(r);
      let entry = this.#byKey.get(key);
      if (!entry) {
        entry = { gv: { group: r.group, version: r.version }, resources: [] };
        this.#byKey.set(key, entry);
      }
      entry.resources.push(r);
    }
  }

  /** Group-versions served, in index order. */
  groupVersions(): GroupVersion[] {
    return [...this.#byKey.keys()].sort().map((k) => this.#byKey.get(k)!.gv);
  }

  /** The document at index key `key` ("api/v1", "apis/apps/v1"), built on first use. */
  document(key: string): OpenAPIDocumentBytes | undefined {
    const cached = this.#docs.get(key);
    if (cached) return cached;
    const entry = this.#byKey.get(key);
    if (!entry) return undefined;
    const fingerprint = this.documentCache ? this.#fingerprint(key, entry) : "";
    const shared = this.documentCache?.get(fingerprint);
    if (shared) {
      this.#docs.set(key, shared);
      return shared;
    }
    const doc = openapiV3Document(entry.gv.group, entry.gv.version, entry.resources, this.registry);
    const schemas = (doc.components as { schemas: Record<string, OpenAPIObject> }).schemas;
    for (const name of Object.keys(schemas)) {
      const override = this.overrides.get(name);
      if (override) schemas[name] = override;
    }
    const json = openapiJSON(doc);
    const bytes = { json, hash: openapiHash(json) };
    this.#docs.set(key, bytes);
    if (this.documentCache) {
      if (this.documentCache.size > 500) this.documentCache.clear();
      this.documentCache.set(fingerprint, bytes);
    }
    return bytes;
  }

  /** What a group-version's document depends on: its resources and their overridden schemas. */
  #fingerprint(key: string, entry: { gv: GroupVersion; resources: OpenAPIResource[] }): string {
    const resources = entry.resources.map((r) => [
      r.resource,
      r.kind,
      r.namespaced,
      r.verbs,
      r.subresources,
    ]);
    const overrides = [...this.overrides].filter(([, schema]) => {
      const gvks = schema["x-kubernetes-group-version-kind"] as GroupVersion[] | undefined;
      return gvks?.some((g) => g.group === entry.gv.group && g.version === entry.gv.version);
    });
    return JSON.stringify([key, resources, overrides]);
  }

  /** The /openapi/v3 index JSON (builds every document once, for the hashes). */
  indexJSON(): string {
    this.#index ??= openapiJSON(
      openapiV3Index(this.groupVersions(), (gv) => this.document(openapiPathKey(gv))!.hash),
    );
    return this.#index;
  }

  /** The /openapi/v2 document as JSON and protobuf, built on first use. */
  v2(): { json: string; protobuf: Uint8Array; etag: string } {
    if (!this.#v2) {
      const resources = [...this.#byKey.values()].flatMap((e) =>
        e.resources.map((r) => ({ ...r, ...e.gv })),
      );
      const doc = openapiV2Document(resources, this.registry);
      const definitions = doc.definitions as Record<string, unknown>;
      for (const name of Object.keys(definitions)) {
        const override = this.overrides.get(name);
        if (override) definitions[name] = toV2Schema(override);
      }
      const json = openapiJSON(doc);
      this.#v2 = { json, protobuf: openapiV2Protobuf(doc), etag: `"${openapiHash(json)}"` };
    }
    return this.#v2;
  }

  /**
   * The response to a GET of /openapi/v2, /openapi/v3 or /openapi/v3/<key>.
   * /openapi/v2 answers protobuf when the Accept header asks for it.
   */
  respond(req: OpenAPIRequest): OpenAPIHTTPResponse {
    const pathname = req.path;
    const json = { "Content-Type": "application/json" };
    if (pathname === "/openapi/v2") {
      const v2 = this.v2();
      const accept = req.accept ?? "";
      const proto =
        accept.includes(OPENAPI_V2_PROTOBUF) || accept.includes(OPENAPI_V2_PROTOBUF_LEGACY);
      // The two encodings are different bytes, so they get different ETags.
      const etag = proto ? v2.etag.replace(/"$/, '-pb"') : v2.etag;
      const headers = { ETag: etag, "Cache-Control": "no-cache, private", Vary: "Accept" };
      if (matches(req.ifNoneMatch, etag)) return { status: 304, headers, body: "" };
      return proto
        ? {
            status: 200,
            headers: { ...headers, "Content-Type": OPENAPI_V2_PROTOBUF },
            body: v2.protobuf,
          }
        : { status: 200, headers: { ...headers, ...json }, body: v2.json };
    }
    if (pathname === "/openapi/v3" || pathname === "/openapi/v3/") {
      return {
        status: 200,
        headers: { ...json, "Cache-Control": "no-cache, private" },
        body: this.indexJSON(),
      };
    }
    const key = pathname.replace(/^\/openapi\/v3\//, "");
    const doc = key === pathname ? undefined : this.document(key);
    if (!doc) return notFound(pathname);
    const etag = `"${doc.hash}"`;
    const wanted = new URLSearchParams(req.search ?? "").get("hash");
    if (wanted !== null && wanted !== doc.hash) {
      return {
        status: 301,
        headers: {
          Location: `/openapi/v3/${key}?hash=${doc.hash}`,
          "Cache-Control": "no-cache, private",
        },
        body: "",
      };
    }
    const caching: Record<string, string> =
      wanted === null
        ? { "Cache-Control": "no-cache, private" }
        : { "Cache-Control": "public, immutable", Expires: "Thu, 31 Dec 2099 23:59:59 GMT" };
    if (matches(req.ifNoneMatch, etag)) {
      return { status: 304, headers: { ETag: etag, ...caching }, body: "" };
    }
    return { status: 200, headers: { ...json, ETag: etag, ...caching }, body: doc.json };
  }
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  return ifNoneMatch !== undefined && ifNoneMatch.split(",").some((t) => t.trim() === etag);
}

function notFound(path: string): OpenAPIHTTPResponse {
  const status = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: `the server could not find the requested resource (get ${path})`,
    reason: "NotFound",
    details: {},
    code: 404,
  };
  return {
    status: 404,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(status),
  };
}
