/**
 * Validation of spec.conversion with upstream's messages: a webhook only
 * with strategy Webhook, conversionReviewVersions naming v1 or v1beta1, and
 * a clientConfig with exactly one of an https url or a service.
 */
import { fieldErrors, type FieldError } from "../../api/status.ts";
import type { CustomResourceDefinitionSpec } from "../types.ts";

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Rec) : {};

/** Go's %#v of a []string. */
function goStrings(v: unknown[]): string {
  return `[]string{${v.map((x) => JSON.stringify(String(x))).join(", ")}}`;
}

/** Field errors of spec.conversion (the strategy's own value is checked by the caller). */
export function validateConversion(spec: CustomResourceDefinitionSpec): FieldError[] {
  const errs: FieldError[] = [];
  const conversion = spec.conversion;
  const base = "spec.conversion.webhook";
  if (!conversion) return errs;
  if (conversion.strategy !== "Webhook") {
    if (conversion.webhook !== undefined && conversion.webhook !== null) {
      errs.push(
        fieldErrors.forbidden(base, "should not be set when strategy is not set to Webhook"),
      );
    }
    return errs;
  }
  if (!conversion.webhook) return errs;
  const webhook = rec(conversion.webhook);
  const versions = Array.isArray(webhook.conversionReviewVersions)
    ? webhook.conversionReviewVersions
    : [];
  if (versions.length === 0) {
    errs.push(
      fieldErrors.required(`${base}.conversionReviewVersions`, "must specify one of v1, v1beta1"),
    );
  } else if (!versions.some((v) => v === "v1" || v === "v1beta1")) {
    errs.push(
      fieldErrors.invalid(
        `${base}.conversionReviewVersions`,
        goStrings(versions),
        "must include at least one of v1, v1beta1",
      ),
    );
  }
  const cc = rec(webhook.clientConfig);
  const path = `${base}.clientConfig`;
  const hasURL = typeof cc.url === "string" && cc.url !== "";
  const hasService = cc.service !== undefined && cc.service !== null;
  if (hasURL === hasService) {
    errs.push(fieldErrors.required(path, "exactly one of url or service is required"));
    return errs;
  }
  if (hasURL) {
    let url: URL | undefined;
    try {
      url = new URL(cc.url as string);
    } catch {
      errs.push(fieldErrors.invalid(`${path}.url`, cc.url, "host must be specified"));
    }
    if (url && url.protocol !== "https:") {
      errs.push(
        fieldErrors.invalid(`${path}.url`, cc.url, "'https' is the only allowed URL scheme"),
      );
    }
    if (url && (url.username || url.password)) {
      errs.push(
        fieldErrors.invalid(`${path}.url`, cc.url, "user information is not permitted in the URL"),
      );
    }
  } else {
    const svc = rec(cc.service);
    if (!svc.name)
      errs.push(fieldErrors.required(`${path}.service.name`, "service name is required"));
    if (!svc.namespace)
      errs.push(fieldErrors.required(`${path}.service.namespace`, "service namespace is required"));
    if (svc.port !== undefined) {
      const port = Number(svc.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        errs.push(
          fieldErrors.invalid(
            `${path}.service.port`,
            svc.port,
            "port is not valid: must be between 1 and 65535, inclusive",
          ),
        );
      }
    }
    if (typeof svc.path === "string" && svc.path !== "" && !svc.path.startsWith("/")) {
      errs.push(fieldErrors.invalid(`${path}.service.path`, svc.path, "must start with a '/'"));
    }
  }
  return errs;
}
