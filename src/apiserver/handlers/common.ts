/**
 * Helpers shared by the REST handlers: replying in the negotiated form,
 * write options from the query (dryRun, fieldManager, fieldValidation),
 * reading object bodies, strict field validation.
 */
import { badRequest, StatusError } from "../../api/status.ts";
import type { KObject, ResourceDef, TablePrinter } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { negotiate, type Negotiated } from "../negotiation.ts";
import { includeObjectParam, type RenderOptions } from "../output.ts";
import { decodeJSONObject, decodeObjectBody, mediaType, readBody } from "../request-body.ts";
import type { WriteOptions } from "../rest-store.ts";
import type { DecodingErrors } from "../extensions.ts";

/** Sends `body` (already rendered) with the negotiated serialization, plus warning headers. */
export async function reply(
  ctx: RequestContext,
  code: number,
  body: unknown,
  negotiated?: Negotiated,
): Promise<void> {
  const n = negotiated ?? negotiate(ctx.req.headers.accept, false);
  setWarnings(ctx);
  let text: string;
  if (n.format === "yaml") {
    const { stringify } = await yamlModule();
    text = stringify(body);
  } else {
    // A write's answer: its JSON was made from the stored text.
    const known = typeof body === "object" && body !== null;
    text = (known && ctx.server.store.answerJson(body as KObject)) || JSON.stringify(body);
  }
  if (ctx.res.headersSent) return;
  ctx.res.writeHead(code, {
    "Content-Type": n.contentType,
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-cache, private",
  });
  ctx.res.end(ctx.req.method === "HEAD" ? undefined : text);
}

/** Resolves when a response that refused a write drains, or closes. */
export function drained(res: RequestContext["res"]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}

/** Adds collected warnings as `Warning: 299 - "..."` headers. */
export function setWarnings(ctx: RequestContext): void {
  if (ctx.warnings.length === 0 || ctx.res.headersSent) return;
  const headers = warningHeaders(ctx.warnings);
  if (headers.length > 0) ctx.res.setHeader("Warning", headers);
}

/** Go's unicode.IsControl (C0, DEL, C1), and a UTF-16 surrogate without its pair. */
const UNSENDABLE =
  /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * One Warning header value as upstream's NewWarningHeader writes it: code
 * 299, agent "-", the text quoted with only `"` and `\` escaped, in UTF-8.
 * A header value is a latin1 string here (Node writes each char as one
 * byte), so the text's UTF-8 bytes go in as latin1 chars. A text holding a
 * control character or a lone surrogate is dropped, as upstream refuses it.
 */
export function warningHeader(text: string): string | undefined {
  if (UNSENDABLE.test(text)) return undefined;
  const quoted = `299 - "${text.replace(/["\\]/g, "\\$&")}"`;
  return Buffer.from(quoted, "utf8").toString("latin1");
}

/** Upstream's warning recorder: 4,096 bytes of headers in all, then 256 characters per warning. */
const WARNINGS_TOTAL = 4096;
const WARNING_TRUNCATED = 256;

const truncated = (text: string) => [...text].slice(0, WARNING_TRUNCATED).join("");

/**
 * The Warning headers of a response, as upstream's recorder writes them:
 * each text once (a write retried after a conflict warns again); once the
 * headers would pass 4,096 bytes, every text so far is written again cut
 * to 256 characters, later ones are added cut while the total is below
 * 4,096 bytes and dropped after.
 */
export function warningHeaders(warnings: readonly string[]): string[] {
  const recorded = new Set<string>();
  let out: string[] = [];
  let written = 0;
  let truncating = false;
  for (const text of warnings) {
    if (text.length === 0) continue;
    if (truncating && written >= WARNINGS_TOTAL) break;
    if (recorded.has(text)) continue;
    recorded.add(text);
    const header = warningHeader(truncating ? truncated(text) : text);
    if (header === undefined) continue;
    if (truncating || written + header.length <= WARNINGS_TOTAL) {
      out.push(header);
      written += header.length;
      continue;
    }
    truncating = true;
    out = [];
    written = 0;
    for (const earlier of recorded) {
      const cut = warningHeader(truncated(earlier));
      if (cut === undefined) continue;
      out.push(cut);
      written += cut.length;
    }
  }
  return out;
}

// Import caches: the module loader is paid once, not per request.
let printers: Promise<typeof import("../../api/printers/printers.ts")> | undefined;
const printersModule = () => (printers ??= import("../../api/printers/printers.ts"));
let yaml: Promise<typeof import("yaml")> | undefined;
const yamlModule = () => (yaml ??= import("yaml"));

const NO_PRINTER: TablePrinter = { columns: [], row: () => [] };

/** The rendering options of a read (negotiated form, printer, includeObject). */
export async function renderOptions(ctx: RequestContext, def: ResourceDef): Promise<RenderOptions> {
  const negotiated = negotiate(ctx.req.headers.accept);
  return {
    negotiated,
    // Printers load on the first Table request, off the start-up path.
    printer:
      negotiated.as === "Table"
        ? (def.printer ?? (await printersModule()).printerFor(def.group, def.resource))
        : NO_PRINTER,
    includeObject: includeObjectParam(ctx.query),
    now: new Date(ctx.server.clock.now()),
  };
}

/** dryRun=All, fieldManager, user: what every write needs. */
export function writeOptions(
  ctx: RequestContext,
  subresource = ctx.info.subresource,
): WriteOptions {
  const dryRun = ctx.query.getAll("dryRun");
  for (const v of dryRun) {
    if (v !== "All") throw badRequest(`Invalid dryRun value: "${v}": supported values: "All"`);
  }
  const requestedFieldManager = ctx.query.get("fieldManager") ?? "";
  let fieldManager = requestedFieldManager;
  if (fieldManager.length > 128) {
    throw badRequest(`fieldManager: Too long: may not be more than 128 bytes`);
  }
  if (!fieldManager) {
    const agent = String(ctx.req.headers["user-agent"] ?? "unknown");
    fieldManager = agent.split("/")[0].slice(0, 128) || "unknown";
  }
  return {
    dryRun: dryRun.length > 0,
    user: ctx.user,
    subresource,
    fieldManager,
    ...(requestedFieldManager && { requestedFieldManager }),
    warnings: ctx.warnings,
    auditAnnotations: (ctx.auditAnnotations ??= {}),
  };
}

/** Reads and decodes an object body (JSON, YAML or protobuf). */
export async function readObject(ctx: RequestContext): Promise<KObject> {
  const body = await readBody(ctx.req);
  const type = mediaType(ctx.req.headers["content-type"]);
  if (type === "" || type === "application/json" || type === "*/*") {
    // Duplicate-field detection needs the JSON text (parsing keeps only the last value).
    const text = body.toString();
    const obj = decodeJSONObject(text) as KObject;
    ctx.rawBody = text;
    return obj;
  }
  const decoder = (ctx.req.headers["content-type"] ?? "").includes("protobuf")
    ? await ctx.server.extensions.protobufDecoder()
    : undefined;
  return (await decodeObjectBody(body, ctx.req.headers["content-type"], decoder)) as KObject;
}

/** The decoding errors of a body, strict ones as the request's fieldValidation asks. */
export function decodingErrors(
  ctx: RequestContext,
  def: ResourceDef,
  obj: KObject,
): Promise<DecodingErrors> {
  return ctx.server.extensions.decodingErrors(def, obj, {
    strict: ctx.query.get("fieldValidation") !== "Ignore",
    rawJson: ctx.rawBody,
  });
}

type FieldValidation = "Strict" | "Warn" | "Ignore";

function fieldValidation(ctx: RequestContext): FieldValidation {
  const v = ctx.query.get("fieldValidation") ?? "Warn";
  if (v !== "Strict" && v !== "Warn" && v !== "Ignore") {
    throw badRequest(
      `fieldValidation: Unsupported value: "${v}": supported values: "Ignore", "Strict", "Warn"`,
    );
  }
  return v;
}

/**
 * Decoding checks: wrongly typed values are always 400; unknown or duplicate
 * fields depend on fieldValidation: Strict → 400 `strict decoding error:
 * unknown field "spec.x"`, Warn → warnings, Ignore → nothing. Unknown fields
 * are then dropped from `obj` (upstream decodes into the typed object, which
 * has no place for them); answers whether any was.
 */
export async function checkUnknownFields(
  ctx: RequestContext,
  def: ResourceDef,
  obj: KObject,
  opts: { typesChecked?: boolean; decoded?: DecodingErrors } = {},
): Promise<boolean> {
  // Values of the wrong JSON type never decode, whatever fieldValidation says
  // (typesChecked: the caller found none, in the "json" style, on this object;
  // decoded: the caller's decodingErrors of it, which found none).
  const { typeErrors, strict, unknownAt } = opts.decoded ?? (await decodingErrors(ctx, def, obj));
  if (!opts.typesChecked && typeErrors.length > 0) {
    throw new StatusError(
      "BadRequest",
      `${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: ${typeErrors[0]}`,
    );
  }
  const mode = fieldValidation(ctx);
  if (mode === "Strict" && strict.length > 0) {
    throw new StatusError("BadRequest", `strict decoding error: ${strict.join(", ")}`);
  }
  if (mode === "Warn") ctx.warnings.push(...strict);
  for (const [holder, name] of unknownAt) delete holder[name];
  return unknownAt.length > 0;
}
