/**
 * Kubernetes format library: `format.named(name)` (optional format),
 * `format.<name>()` and `<format>.validate(s)`, which returns
 * optional.none() when `s` is valid and optional.of(list of errors) otherwise.
 */
import type { CelFunc, CelValue } from "@bufbuild/cel";
import { isCelMap } from "@bufbuild/cel";
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
} from "../../api/validation/names.ts";
import { opaque, opaqueTag } from "../values.ts";
import { dynFunc, dynMethod } from "./func.ts";
import { optionalValue } from "./optional.ts";
import { parseRequestURI } from "./url.ts";

const TAG = "format";

/** Strips a trailing "-" as upstream's *Prefix formats (generateName prefixes) do. */
function prefix(fn: (s: string) => string[]): (s: string) => string[] {
  return (s) => fn(s.endsWith("-") ? s.slice(0, -1) : s);
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Named formats and their validators (an empty list means valid). */
export const NAMED_FORMATS: Readonly<Record<string, (s: string) => string[]>> = {
  dns1123Label: isDNS1123Label,
  dns1123Subdomain: isDNS1123Subdomain,
  dns1035Label: isDNS1035Label,
  qualifiedName: isQualifiedName,
  dns1123LabelPrefix: prefix(isDNS1123Label),
  dns1123SubdomainPrefix: prefix(isDNS1123Subdomain),
  dns1035LabelPrefix: prefix(isDNS1035Label),
  labelValue: isValidLabelValue,
  uri: (s) => (parseRequestURI(s) ? [] : ["invalid URI"]),
  uuid: (s) => (UUID.test(s) ? [] : ["does not match the UUID format"]),
  byte: (s) => (BASE64.test(s) ? [] : ["invalid base64"]),
  date: (s) => (DATE.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ["invalid date"]),
  datetime: (s) => (DATETIME.test(s) && !Number.isNaN(Date.parse(s)) ? [] : ["invalid datetime"]),
};

function formatValue(name: string): CelValue {
  return opaque(TAG, { v: name });
}

/** The format functions. */
export const formatFuncs: CelFunc[] = [
  dynFunc("format.named", 1, ([n]) => {
    if (typeof n !== "string") return undefined;
    return optionalValue(Object.hasOwn(NAMED_FORMATS, n) ? formatValue(n) : undefined);
  }),
  ...Object.keys(NAMED_FORMATS).map((n) => dynFunc(`format.${n}`, 0, () => formatValue(n))),
  dynMethod("validate", 1, (t, [s]) => {
    if (opaqueTag(t) !== TAG || !isCelMap(t) || typeof s !== "string") return undefined;
    const errs = NAMED_FORMATS[String(t.get("v"))]?.(s) ?? [];
    return optionalValue(errs.length === 0 ? undefined : errs);
  }),
];
