/** IntOrString fields holding a count or a percentage (maxUnavailable, maxSurge, minAvailable). */
import { fieldErrors, type FieldError } from "../status.ts";
import { regexError } from "./names.ts";

const PERCENT_RE = /^[0-9]+%$/;

/**
 * Non-negative integer or "N%" string; percentages over 100% are rejected
 * when `capAt100` (maxUnavailable). Undefined is valid.
 */
export function validateIntOrPercent(
  value: unknown,
  field: string,
  capAt100: boolean,
): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value === "number") {
    return value < 0
      ? [fieldErrors.invalid(field, value, "must be greater than or equal to 0")]
      : [];
  }
  if (typeof value !== "string" || !PERCENT_RE.test(value)) {
    return [
      fieldErrors.invalid(
        field,
        value,
        regexError(
          "a valid percent string must be a numeric string followed by an ending '%'",
          "[0-9]+%",
          "1%",
          "93%",
        ),
      ),
    ];
  }
  if (capAt100 && Number(value.slice(0, -1)) > 100) {
    return [fieldErrors.invalid(field, value, "must not be greater than 100%")];
  }
  return [];
}
