/**
 * The /openapi/v2 (Swagger 2.0) document, for clients that predate
 * /openapi/v3. It is derived from the v3 documents: one document for all
 * group-versions, refs under "#/definitions/", body parameters instead of
 * request bodies, and no oneOf (Quantity and IntOrString become strings).
 */
import { openapiV3Document, sortKeys, type OpenAPIObject } from "./openapi.ts";
import type { ServedResource } from "./openapi-service.ts";
import type { SchemaRegistry } from "./schema-registry.ts";

const V3_PREFIX = "#/components/schemas/";

/** Converts a v3 schema (and everything inside it) to Swagger 2.0 form. */
export function toV2Schema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toV2Schema);
  if (schema === null || typeof schema !== "object") return schema;
  const src = schema as OpenAPIObject;
  const out: OpenAPIObject = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === "$ref" && typeof value === "string")
      out.$ref = value.replace(V3_PREFIX, "#/definitions/");
    else if (key === "oneOf")
      out.type = "string"; // Quantity, IntOrString
    else if (key === "allOf" && Array.isArray(value) && value.length === 1)
      Object.assign(out, toV2Schema(value[0]));
    else if (key === "properties" || key === "items" || key === "additionalProperties") {
      out[key] =
        key === "properties"
          ? Object.fromEntries(
              Object.entries(value as OpenAPIObject).map(([k, v]) => [k, toV2Schema(v)]),
            )
          : toV2Schema(value);
    } else out[key] = value;
  }
  return out;
}

/** A v3 parameter ({schema: {type}}) as a v2 non-body parameter ({type}). */
function toV2Parameter(param: OpenAPIObject): OpenAPIObject {
  const { schema, ...rest } = param;
  return { ...rest, ...(schema as OpenAPIObject) };
}

function toV2Operation(op: OpenAPIObject): OpenAPIObject {
  const { requestBody, responses, parameters, ...rest } = op;
  const out: OpenAPIObject = { ...rest };
  const params = ((parameters as OpenAPIObject[] | undefined) ?? []).map(toV2Parameter);
  const body = requestBody as
    { content: Record<string, { schema: unknown }>; required?: boolean } | undefined;
  if (body) {
    const [first] = Object.values(body.content);
    params.unshift({ name: "body", in: "body", required: true, schema: toV2Schema(first!.schema) });
    out.consumes = Object.keys(body.content);
  }
  if (params.length > 0) out.parameters = params;
  const v2Responses: OpenAPIObject = {};
  let produces: string[] | undefined;
  for (const [code, res] of Object.entries(responses as Record<string, OpenAPIObject>)) {
    const content = res.content as Record<string, { schema: unknown }> | undefined;
    const entry: OpenAPIObject = { description: res.description };
    if (content) {
      entry.schema = toV2Schema(Object.values(content)[0]!.schema);
      produces ??= Object.keys(content);
    }
    v2Responses[code] = entry;
  }
  out.responses = v2Responses;
  if (produces) out.produces = produces;
  out.schemes = ["https"];
  return out;
}

/**
 * The Swagger 2.0 document covering every group-version of `resources`.
 * Deterministic (keys sorted), like the v3 documents it is built from.
 */
export function openapiV2Document(
  resources: readonly ServedResource[],
  registry: SchemaRegistry,
): OpenAPIObject {
  const byGV = new Map<string, ServedResource[]>();
  for (const r of resources) {
    const key = `${r.group}/${r.version}`;
    byGV.set(key, [...(byGV.get(key) ?? []), r]);
  }
  const paths: OpenAPIObject = {};
  const definitions: OpenAPIObject = {};
  for (const list of byGV.values()) {
    const v3 = openapiV3Document(list[0]!.group, list[0]!.version, list, registry);
    const schemas = (v3.components as { schemas: OpenAPIObject }).schemas;
    for (const [name, schema] of Object.entries(schemas)) definitions[name] ??= toV2Schema(schema);
    for (const [path, item] of Object.entries(v3.paths as Record<string, OpenAPIObject>)) {
      const v2Item: OpenAPIObject = {};
      for (const [key, value] of Object.entries(item)) {
        v2Item[key] =
          key === "parameters"
            ? (value as OpenAPIObject[]).map(toV2Parameter)
            : toV2Operation(value as OpenAPIObject);
      }
      paths[path] = v2Item;
    }
  }
  return sortKeys({
    swagger: "2.0",
    info: { title: "Kubernetes", version: "unversioned" },
    paths,
    definitions,
    securityDefinitions: {
      BearerToken: {
        type: "apiKey",
        description: "Bearer Token authentication",
        name: "authorization",
        in: "header",
      },
    },
    security: [{ BearerToken: [] }],
  }) as OpenAPIObject;
}
