/**
 * metav1.Status errors. Every failure the API server returns is one of these,
 * so kubectl prints it exactly as it prints upstream errors.
 */

export type StatusReason =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "Gone"
  | "Expired"
  | "RequestEntityTooLarge"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "TooManyRequests"
  | "MethodNotAllowed"
  | "Timeout"
  | "ServiceUnavailable"
  | "InternalError";

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, unknown>;
  status: "Success" | "Failure";
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

const codeByReason: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** A thrown API error; `toStatus()` is the body sent to the client. */
export class StatusError extends Error {
  readonly reason: StatusReason;
  readonly code: number;
  readonly details?: StatusDetails;

  constructor(reason: StatusReason, message: string, details?: StatusDetails, code?: number) {
    super(message);
    this.name = "StatusError";
    this.reason = reason;
    this.code = code ?? codeByReason[reason];
    this.details = details;
  }

  toStatus(): Status {
    const status: Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** "pods" in group "" → qualified resource string as upstream prints it ("deployments.apps"). */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(group: string, resource: string, name: string): StatusError {
  return new StatusError("NotFound", `${qualifiedResource(group, resource)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function alreadyExists(group: string, resource: string, name: string): StatusError {
  return new StatusError(
    "AlreadyExists",
    `${qualifiedResource(group, resource)} "${name}" already exists`,
    { name, group: group || undefined, kind: resource },
  );
}

export function conflict(group: string, resource: string, name: string, why: string): StatusError {
  return new StatusError(
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`,
    { name, group: group || undefined, kind: resource },
  );
}

export function badRequest(message: string): StatusError {
  return new StatusError("BadRequest", message);
}

/** A field-level validation failure, as upstream's field.Error. */
export interface FieldError {
  /** "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong" ... */
  type: string;
  /** Path such as "spec.containers[0].name". */
  field: string;
  /** Full message, e.g. `Required value` or `Invalid value: "x": must be ...`. */
  message: string;
}

export const fieldErrors = {
  required: (field: string, detail = ""): FieldError => ({
    type: "FieldValueRequired",
    field,
    message: detail ? `Required value: ${detail}` : "Required value",
  }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({
    type: "FieldValueInvalid",
    field,
    message: `Invalid value: ${formatValue(value)}: ${detail}`,
  }),
  notSupported: (field: string, value: unknown, valid: string[]): FieldError => ({
    type: "FieldValueNotSupported",
    field,
    message: `Unsupported value: ${formatValue(value)}: supported values: ${valid.map((v) => `"${v}"`).join(", ")}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({
    type: "FieldValueDuplicate",
    field,
    message: `Duplicate value: ${formatValue(value)}`,
  }),
  forbidden: (field: string, detail: string): FieldError => ({
    type: "FieldValueForbidden",
    field,
    message: `Forbidden: ${detail}`,
  }),
  tooLong: (field: string, max: number): FieldError => ({
    type: "FieldValueTooLong",
    field,
    message: `Too long: may not be more than ${max} bytes`,
  }),
};

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** 422 Invalid with causes, message formatted as upstream: `Kind "name" is invalid: [a, b]`. */
export function invalid(
  group: string,
  kind: string,
  name: string,
  errors: FieldError[],
): StatusError {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  const joined = parts.length === 1 ? parts[0] : `[${parts.join(", ")}]`;
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  return new StatusError("Invalid", `${qualifiedKind} "${name}" is invalid: ${joined}`, {
    name,
    group: group || undefined,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: e.message, field: e.field })),
  });
}
