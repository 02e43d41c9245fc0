/**
 * Server-side field validation of a request body, as the fieldValidation
 * query parameter (Strict, Warn, Ignore) asks: one entry point that finds the
 * problems and one that turns them into a rejection or warnings.
 *
 * Flow for a create/update/patch body of type `typeName`:
 *   1. parse the body (JSON or YAML) into `obj`;
 *   2. `checkBody(...)`: a type error means 400 `<Kind> in version "<v>"
 *      cannot be handled as a <Kind>: <typeError>` whatever the directive;
 *   3. `fieldValidationOutcome(directive, problems)`: reject with
 *      `strict decoding error: ...` (400 BadRequest) or emit warnings.
 */
import { findDuplicateFields } from "./duplicate-fields.ts";
import type { SchemaRegistry } from "./schema-registry.ts";
import { findTypeErrors } from "./type-errors.ts";
import { findUnknownFields, strictDecodingErrors } from "./unknown-fields.ts";
import { findDuplicateYAMLKeys, yamlDuplicateKeysError } from "./yaml-duplicates.ts";

export type FieldValidationDirective = "Strict" | "Warn" | "Ignore";

export interface BodyCheck {
  /** The first JSON type mismatch, in Go's wording; the body cannot be decoded. */
  typeError?: string;
  /** Strict-decoding problems: unknown and duplicate fields, YAML key repeats. */
  problems: string[];
}

/**
 * Checks a decoded body against its type. `text` is the raw body, needed to
 * see repeated keys (parsing collapses them); omit it to skip that check.
 */
export function checkBody(
  obj: unknown,
  opts: { typeName: string; registry: SchemaRegistry; text?: string; format?: "json" | "yaml" },
): BodyCheck {
  const [typeError] = findTypeErrors(obj, opts.typeName, opts.registry);
  if (typeError !== undefined) return { typeError, problems: [] };
  const unknown = findUnknownFields(obj, opts.typeName, opts.registry);
  if (opts.text === undefined) return { problems: strictDecodingErrors(unknown, []) };
  if (opts.format === "yaml") {
    const repeats = findDuplicateYAMLKeys(opts.text);
    const problems = strictDecodingErrors(unknown, []);
    return {
      problems: repeats.length > 0 ? [yamlDuplicateKeysError(repeats), ...problems] : problems,
    };
  }
  return { problems: strictDecodingErrors(unknown, findDuplicateFields(opts.text)) };
}

/**
 * What the directive makes of the problems: Strict rejects with upstream's
 * message, Warn returns one warning text per problem, Ignore drops them.
 * A missing or unrecognized directive is treated as Warn, the server default.
 */
export function fieldValidationOutcome(
  directive: string | undefined,
  problems: readonly string[],
): { reject?: string; warnings: string[] } {
  if (problems.length === 0 || directive === "Ignore") return { warnings: [] };
  if (directive === "Strict") {
    return { reject: `strict decoding error: ${problems.join(", ")}`, warnings: [] };
  }
  return { warnings: [...problems] };
}
