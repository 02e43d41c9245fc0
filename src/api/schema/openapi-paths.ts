/**
 * OpenAPI v3 path items for the resources of one group-version: the
 * collection, item, all-namespaces list and subresource paths, each operation
 * tagged with x-kubernetes-action and x-kubernetes-group-version-kind as
 * upstream does (kubectl explain finds a resource's kind through them).
 */
import { ALL_VERBS, type SubresourceDef, type Verb } from "../types.ts";
import { ACTION_PARAMS, PARAMS, pathParam } from "./openapi-params.ts";
import { schemaRef, type OpenAPIObject } from "./openapi-schemas.ts";
import type { SchemaRegistry } from "./schema-registry.ts";

/** What the generator needs to know of a served resource (a ResourceDef fits). */
export interface OpenAPIResource {
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Defaults to every verb. */
  verbs?: Verb[];
  subresources?: SubresourceDef[];
}

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
const STATUS = `${META}.Status`;
const DELETE_OPTIONS = `${META}.DeleteOptions`;
/** Upstream's stand-in schema for PATCH bodies; added as a component by the document builder. */
export const PATCH_SCHEMA = `${META}.Patch`;

const MEDIA = ["application/json", "application/vnd.kubernetes.protobuf", "application/yaml"];
const PATCH_MEDIA = [
  "application/apply-patch+yaml",
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
];
/** Subresources reached through a streaming or proxy connection. */
const CONNECT = new Set(["attach", "exec", "log", "portforward", "proxy"]);

interface GVK {
  group: string;
  version: string;
  kind: string;
}

interface OperationOptions {
  /** x-kubernetes-action: list, get, post, put, patch, delete, deletecollection, connect. */
  action: string;
  gvk: GVK;
  id: string;
  description: string;
  body?: OpenAPIObject;
  response: OpenAPIObject;
}

function content(schema: OpenAPIObject, media = MEDIA): OpenAPIObject {
  const out: OpenAPIObject = {};
  for (const type of media) out[type] = { schema };
  return out;
}

/** "rbac.authorization.k8s.io"/"v1" → "RbacAuthorizationV1"; core → "CoreV1". */
function gvCamel(group: string, version: string): string {
  const name = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  const parts = name.split(/[.-]/).filter(Boolean);
  return (
    parts.map((p) => p[0]!.toUpperCase() + p.slice(1)).join("") +
    version[0]!.toUpperCase() +
    version.slice(1)
  );
}

function gvTag(group: string, version: string): string {
  const name = group === "" ? "core" : group.replace(/\.k8s\.io$/, "");
  const parts = name.split(/[.-]/).filter(Boolean);
  return (
    parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join("") + "_" + version
  );
}

/** Builds the operations of one group-version; `typeOf` maps a GVK to its schema (or undefined). */
class PathBuilder {
  readonly paths: Record<string, OpenAPIObject> = {};
  readonly referenced = new Set<string>();

  constructor(
    readonly group: string,
    readonly version: string,
    readonly registry: SchemaRegistry,
  ) {}

  typeRef(gvk: GVK): OpenAPIObject {
    const type = this.registry.typeForKind(gvk.group, gvk.version, gvk.kind);
    if (type === undefined) return { type: "string" };
    this.referenced.add(type);
    return schemaRef(type);
  }

  refTo(fullName: string): OpenAPIObject {
    this.referenced.add(fullName);
    return schemaRef(fullName);
  }

  /** Adds operation `method` to the path item at `path`. */
  op(path: string, method: string, opts: OperationOptions): void {
    const { action, gvk } = opts;
    const item = (this.paths[path] ??= {});
    const op: OpenAPIObject = {
      tags: [gvTag(this.group, this.version)],
      description: opts.description,
      operationId: opts.id,
    };
    const params = ACTION_PARAMS[action] ?? [];
    if (params.length > 0) op.parameters = params;
    if (opts.body) op.requestBody = opts.body;
    const ok = { description: "OK", content: content(opts.response) };
    const responses: OpenAPIObject = { "200": ok };
    if (method === "post" || method === "put")
      responses["201"] = { description: "Created", content: content(opts.response) };
    if (method === "post" || method === "delete")
      responses["202"] = { description: "Accepted", content: content(opts.response) };
    responses["401"] = { description: "Unauthorized" };
    op.responses = responses;
    op["x-kubernetes-action"] = action;
    op["x-kubernetes-group-version-kind"] = {
      group: gvk.group,
      kind: gvk.kind,
      version: gvk.version,
    };
    item[method] = op;
  }

  /** Path-level parameters shared by every operation of the item. */
  pathParams(path: string, opts: { kind: string; named: boolean; namespaced: boolean }): void {
    const { kind, named, namespaced } = opts;
    const item = (this.paths[path] ??= {});
    const params: OpenAPIObject[] = [];
    if (named) params.push(pathParam("name", kind));
    if (namespaced) params.push(pathParam("namespace", kind));
    params.push(PARAMS.pretty);
    item.parameters = params;
  }

  addResource(prefix: string, res: OpenAPIResource): void {
    const verbs = new Set(res.verbs ?? ALL_VERBS);
    const gvk = { group: this.group, version: this.version, kind: res.kind };
    const gv = gvCamel(this.group, this.version);
    const scope = res.namespaced ? "Namespaced" : "";
    const base = res.namespaced
      ? `${prefix}/namespaces/{namespace}/${res.resource}`
      : `${prefix}/${res.resource}`;
    const item = `${base}/{name}`;
    const kindRef = this.typeRef(gvk);
    const listRef = this.typeRef({ ...gvk, kind: `${res.kind}List` });
    const status = this.refTo(STATUS);
    const body = (schema: OpenAPIObject, media = ["*/*"]) => ({
      content: content(schema, media),
      required: true,
    });
    const deleteBody = { content: content(this.refTo(DELETE_OPTIONS), ["*/*"]) };

    if (verbs.has("list") || verbs.has("create") || verbs.has("deletecollection")) {
      this.pathParams(base, { kind: res.kind, named: false, namespaced: res.namespaced });
    }
    if (verbs.has("list")) {
      this.op(base, "get", {
        action: "list",
        gvk,
        id: `list${gv}${scope}${res.kind}`,
        description: `list or watch objects of kind ${res.kind}`,
        response: listRef,
      });
      if (res.namespaced) {
        const all = `${prefix}/${res.resource}`;
        this.pathParams(all, { kind: res.kind, named: false, namespaced: false });
        this.op(all, "get", {
          action: "list",
          gvk,
          id: `list${gv}${res.kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${res.kind}`,
          response: listRef,
        });
      }
    }
    if (verbs.has("create")) {
      this.op(base, "post", {
        action: "post",
        gvk,
        id: `create${gv}${scope}${res.kind}`,
        description: `create a ${res.kind}`,
        body: body(kindRef),
        response: kindRef,
      });
    }
    if (verbs.has("deletecollection")) {
      this.op(base, "delete", {
        action: "deletecollection",
        gvk,
        id: `deletecollection${gv}${scope}${res.kind}`,
        description: `delete collection of ${res.kind}`,
        body: deleteBody,
        response: status,
      });
    }
    if (["get", "update", "patch", "delete"].some((v) => verbs.has(v as Verb))) {
      this.pathParams(item, { kind: res.kind, named: true, namespaced: res.namespaced });
    }
    this.itemOps(item, { gvk, idSuffix: `${gv}${scope}${res.kind}`, verbs, ref: kindRef });
    if (verbs.has("delete")) {
      this.op(item, "delete", {
        action: "delete",
        gvk,
        id: `delete${gv}${scope}${res.kind}`,
        description: `delete a ${res.kind}`,
        body: deleteBody,
        response: status,
      });
    }
    for (const sub of res.subresources ?? []) {
      this.addSubresource(item, { res, sub, idPrefix: `${gv}${scope}` });
    }
  }

  /** get/put/patch on an item path, shared by the object and its subresources. */
  itemOps(
    path: string,
    opts: { gvk: GVK; idSuffix: string; verbs: Set<Verb>; ref: OpenAPIObject; what?: string },
  ): void {
    const { gvk, idSuffix, verbs, ref, what = gvk.kind } = opts;
    if (verbs.has("get")) {
      this.op(path, "get", {
        action: "get",
        gvk,
        id: `read${idSuffix}`,
        description: `read the specified ${what}`,
        response: ref,
      });
    }
    if (verbs.has("update")) {
      this.op(path, "put", {
        action: "put",
        gvk,
        id: `replace${idSuffix}`,
        description: `replace the specified ${what}`,
        body: { content: content(ref, ["*/*"]), required: true },
        response: ref,
      });
    }
    if (verbs.has("patch")) {
      const patchBody = { content: content(this.refTo(PATCH_SCHEMA), PATCH_MEDIA), required: true };
      this.op(path, "patch", {
        action: "patch",
        gvk,
        id: `patch${idSuffix}`,
        description: `partially update the specified ${what}`,
        body: patchBody,
        response: ref,
      });
    }
  }

  /** `idPrefix` is the operationId stem of the parent, e.g. "AppsV1Namespaced". */
  addSubresource(
    item: string,
    opts: { res: OpenAPIResource; sub: SubresourceDef; idPrefix: string },
  ): void {
    const { res, sub, idPrefix } = opts;
    const path = `${item}/${sub.name}`;
    const gvk = {
      group: sub.group ?? this.group,
      version: sub.version ?? this.version,
      kind: sub.kind,
    };
    const idSuffix = `${idPrefix}${res.kind}${sub.name[0]!.toUpperCase()}${sub.name.slice(1)}`;
    const verbs = new Set(sub.verbs);
    this.pathParams(path, { kind: res.kind, named: true, namespaced: res.namespaced });
    if (CONNECT.has(sub.name)) {
      const methods: [Verb, string][] = [
        ["get", "get"],
        ["create", "post"],
        ["update", "put"],
        ["patch", "patch"],
        ["delete", "delete"],
      ];
      for (const [verb, method] of methods) {
        if (!verbs.has(verb)) continue;
        const id = `connect${method[0]!.toUpperCase()}${method.slice(1)}${idSuffix}`;
        this.op(path, method, {
          action: "connect",
          gvk,
          id,
          description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${res.kind}`,
          response: { type: "string" },
        });
      }
      return;
    }
    const ref = this.typeRef(gvk);
    this.itemOps(path, { gvk, idSuffix, verbs, ref, what: `${sub.name} of the ${res.kind}` });
    if (verbs.has("create")) {
      this.op(path, "post", {
        action: "post",
        gvk,
        id: `create${idSuffix}`,
        description: `create ${sub.name} of a ${res.kind}`,
        body: { content: content(ref, ["*/*"]), required: true },
        response: ref,
      });
    }
  }
}

/**
 * The `paths` of the /openapi/v3 document of group/version, and the full
 * names of the types its operations refer to (to be added as components).
 */
export function resourcePaths(
  group: string,
  version: string,
  resources: OpenAPIResource[],
  registry: SchemaRegistry,
): { paths: Record<string, OpenAPIObject>; referenced: Set<string> } {
  const builder = new PathBuilder(group, version, registry);
  const prefix = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  for (const res of resources) builder.addResource(prefix, res);
  return { paths: builder.paths, referenced: builder.referenced };
}
