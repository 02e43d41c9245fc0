/**
 * apiregistration.k8s.io/v1 APIService: a group version served locally (no
 * service) or by an extension API server behind a Service, with upstream's
 * defaults, validation and `kubectl get apiservices` columns.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject, ResourceDef } from "../types.ts";
import { statusSplit } from "../defaults/status.ts";
import { validateMetaUpdate } from "../validation/cluster.ts";
import { isObject, obj, str } from "../validation/field.ts";
import { isDNS1035Label, isValidPortNum } from "../validation/names.ts";
import { validateObjectMeta } from "../validation/object-meta.ts";
import {
  ageColumn,
  ageOf,
  column,
  nameColumn,
  nameOf,
  type RowPrinter,
} from "../printers/format.ts";

export const APIREGISTRATION_GROUP = "apiregistration.k8s.io";

/** The object name upstream requires: `<version>.<group>` ("v1." for the core group). */
export const apiServiceName = (group: string, version: string) => `${version}.${group}`;

function defaultApiService(o: KObject): void {
  const svc = isObject(o.spec) ? o.spec.service : undefined;
  if (isObject(svc)) svc.port ??= 443;
}

/** Upstream's ValidateAPIService. */
export function validateApiService(o: KObject): FieldError[] {
  const errs = validateObjectMeta(o, {
    namespaced: false,
    nameFn: (name) => (name.split(".").length < 2 ? ["must be in the form version.group"] : []),
  });
  const spec = obj(o.spec);
  const group = str(spec.group);
  const version = str(spec.version);
  const name = o.metadata?.name ?? "";
  if (name && name !== apiServiceName(group, version))
    errs.push(fieldErrors.invalid("metadata.name", name, 'must be `spec.version+"."+spec.group`'));
  if (!version) errs.push(fieldErrors.required("spec.version"));
  else
    for (const m of isDNS1035Label(version))
      errs.push(fieldErrors.invalid("spec.version", version, m));
  const gpm = Number(spec.groupPriorityMinimum ?? 0);
  if (gpm <= 0 || gpm > 20000)
    errs.push(
      fieldErrors.invalid("spec.groupPriorityMinimum", gpm, "must be positive and less than 20000"),
    );
  const vp = Number(spec.versionPriority ?? 0);
  if (vp <= 0 || vp > 1000)
    errs.push(
      fieldErrors.invalid("spec.versionPriority", vp, "must be positive and less than 1000"),
    );
  if (isObject(spec.service)) {
    const svc = spec.service;
    if (!str(svc.name)) errs.push(fieldErrors.required("spec.service.name"));
    if (!str(svc.namespace)) errs.push(fieldErrors.required("spec.service.namespace"));
    for (const m of isValidPortNum(Number(svc.port ?? 443)))
      errs.push(fieldErrors.invalid("spec.service.port", svc.port, m));
    if (spec.insecureSkipTLSVerify === true && str(spec.caBundle))
      errs.push(
        fieldErrors.invalid(
          "spec.insecureSkipTLSVerify",
          true,
          "may not be true if caBundle is present",
        ),
      );
  } else if (str(spec.caBundle) || spec.insecureSkipTLSVerify === true) {
    errs.push(
      fieldErrors.invalid(
        "spec.caBundle",
        "<omitted>",
        "caBundle and insecureSkipTLSVerify are only allowed with a service",
      ),
    );
  }
  return errs;
}

/** `kubectl get apiservices`: NAME SERVICE AVAILABLE AGE. */
export const apiServicePrinter: RowPrinter = {
  columns: [
    nameColumn(),
    column("Service", "string", "The reference to the service that hosts this API endpoint."),
    column("Available", "string", "Whether this service is available."),
    ageColumn(),
  ],
  row(o: KObject, now: Date) {
    const spec = obj(o.spec);
    const svc = isObject(spec.service)
      ? `${str(spec.service.namespace)}/${str(spec.service.name)}`
      : "Local";
    const conds = Array.isArray(obj(o.status).conditions)
      ? (obj(o.status).conditions as unknown[])
      : [];
    const avail = conds.map(obj).find((c) => c.type === "Available");
    let cell = "Unknown";
    if (avail)
      cell = avail.status === "True" ? "True" : `${str(avail.status)} (${str(avail.reason)})`;
    return [nameOf(o), svc, cell, ageOf(o, now)];
  },
};

/** The apiregistration.k8s.io/v1 resource definitions. */
export function apiregistrationResources(): ResourceDef[] {
  return [
    {
      group: APIREGISTRATION_GROUP,
      version: "v1",
      resource: "apiservices",
      singular: "apiservice",
      kind: "APIService",
      namespaced: false,
      categories: ["api-extensions"],
      subresources: [{ name: "status", kind: "APIService", verbs: ["get", "patch", "update"] }],
      strategy: {
        defaults: defaultApiService,
        validate: validateApiService,
        validateUpdate: (o, old) => validateMetaUpdate(o, old),
        ...statusSplit(),
      },
      hasGeneration: false,
    },
  ];
}
