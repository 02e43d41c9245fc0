/**
 * The protobuf form of /openapi/v2 (gnostic's openapi.v2.Document, media
 * type application/com.github.proto-openapi.spec.v2@v1.0+protobuf), which is
 * what kubectl requests when it validates on the client side, e.g. for a
 * `kind: List` file. It carries swagger, info and definitions; paths are
 * left out (clients read kinds from the definitions' extensions).
 */
import type { OpenAPIObject } from "./openapi.ts";
import { ProtoWriter } from "./protobuf-wire.ts";

/**
 * Media type of the protobuf v2 document. Clients ask with either spelling;
 * responses use the dotted one, since "@" is not valid in a media type and Go
 * clients fail to parse a Content-Type holding it.
 */
export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
/** The older spelling client-go still sends in Accept. */
export const OPENAPI_V2_PROTOBUF_LEGACY =
  "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

function message(build: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  build(w);
  return w.finish();
}

/** gnostic Any carrying a YAML (here: JSON, a YAML subset) text. */
function anyYaml(value: unknown): Uint8Array {
  return message((w) => w.stringField(2, JSON.stringify(value)));
}

/** Encodes one Swagger 2.0 schema as openapi.v2.Schema. */
function schemaMessage(schema: OpenAPIObject): Uint8Array {
  return message((w) => {
    const str = (num: number, key: string) => {
      if (typeof schema[key] === "string") w.stringField(num, schema[key] as string);
    };
    str(1, "$ref");
    str(2, "format");
    str(3, "title");
    str(4, "description");
    if (schema.uniqueItems === true) w.boolField(16, true);
    for (const name of (schema.required as string[] | undefined) ?? []) w.stringField(19, name);
    for (const value of (schema.enum as unknown[] | undefined) ?? [])
      w.bytesField(20, anyYaml(value));
    const extra = schema.additionalProperties;
    if (extra !== undefined) {
      w.bytesField(
        21,
        message((a) =>
          typeof extra === "boolean"
            ? a.boolField(2, extra)
            : a.bytesField(1, schemaMessage(extra as OpenAPIObject)),
        ),
      );
    }
    if (typeof schema.type === "string") {
      w.bytesField(
        22,
        message((t) => t.stringField(1, schema.type as string)),
      );
    }
    if (schema.items !== undefined) {
      w.bytesField(
        23,
        message((i) => i.bytesField(1, schemaMessage(schema.items as OpenAPIObject))),
      );
    }
    for (const sub of (schema.allOf as OpenAPIObject[] | undefined) ?? []) {
      w.bytesField(24, schemaMessage(sub));
    }
    if (schema.properties !== undefined) {
      w.bytesField(25, namedSchemas(schema.properties as OpenAPIObject));
    }
    for (const [key, value] of Object.entries(schema)) {
      if (!key.startsWith("x-")) continue;
      w.bytesField(
        31,
        message((n) => n.stringField(1, key).bytesField(2, anyYaml(value))),
      );
    }
  });
}

/** A message whose field 1 repeats NamedSchema{name, value} (Properties, Definitions). */
function namedSchemas(map: OpenAPIObject): Uint8Array {
  return message((w) => {
    for (const [name, schema] of Object.entries(map)) {
      w.bytesField(
        1,
        message((n) =>
          n.stringField(1, name).bytesField(2, schemaMessage(schema as OpenAPIObject)),
        ),
      );
    }
  });
}

/** Encodes a Swagger 2.0 document (from openapiV2Document) as openapi.v2.Document. */
export function openapiV2Protobuf(doc: OpenAPIObject): Uint8Array {
  const info = (doc.info as { title?: string; version?: string } | undefined) ?? {};
  return message((w) => {
    w.stringField(1, String(doc.swagger ?? "2.0"));
    w.bytesField(
      2,
      message((i) => i.stringField(1, info.title ?? "").stringField(2, info.version ?? "")),
    );
    w.bytesField(9, namedSchemas((doc.definitions as OpenAPIObject | undefined) ?? {}));
  });
}
