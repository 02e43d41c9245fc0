/** Validation of networking.k8s.io/v1 NetworkPolicy, Ingress and IngressClass, as upstream. */
import { isIP } from "node:net";
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import {
  isDNS1035Label,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  nameIsDNSSubdomain,
} from "./names.ts";
import {
  invalidRendered,
  isObject,
  obj,
  objects,
  optionalEnum,
  str,
  validateImmutable,
} from "./field.ts";
import { validateLabelSelector, validateObjectMeta } from "./object-meta.ts";
import { SUPPORTED_PROTOCOLS } from "./container.ts";

const meta = (o: KObject, namespaced = true) =>
  validateObjectMeta(o, { namespaced, nameFn: nameIsDNSSubdomain });

function validatePolicyPorts(ports: unknown, field: string, errs: FieldError[]): void {
  objects(ports).forEach((p, i) => {
    const path = `${field}[${i}]`;
    errs.push(...optionalEnum(`${path}.protocol`, p.protocol, SUPPORTED_PROTOCOLS));
    if (typeof p.port === "number") {
      for (const msg of isValidPortNum(p.port))
        errs.push(fieldErrors.invalid(`${path}.port`, p.port, msg));
    } else if (typeof p.port === "string") {
      for (const msg of isValidPortName(p.port))
        errs.push(fieldErrors.invalid(`${path}.port`, p.port, msg));
    }
  });
}

/** A NetworkPolicy. */
export function validateNetworkPolicy(o: KObject): FieldError[] {
  const errs = meta(o);
  const spec = obj(o.spec);
  errs.push(...validateLabelSelector(spec.podSelector, "spec.podSelector"));
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  types.forEach((t, i) => {
    if (t !== "Ingress" && t !== "Egress")
      errs.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, ["Ingress", "Egress"]));
  });
  if (types.length > 2)
    errs.push(
      fieldErrors.invalid("spec.policyTypes", types, "may not specify more than two policyTypes"),
    );
  objects(spec.ingress).forEach((rule, i) =>
    validatePolicyPorts(rule.ports, `spec.ingress[${i}].ports`, errs),
  );
  objects(spec.egress).forEach((rule, i) =>
    validatePolicyPorts(rule.ports, `spec.egress[${i}].ports`, errs),
  );
  return errs;
}

const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"];

function validateBackend(b: Record<string, unknown>, field: string, errs: FieldError[]): void {
  const hasService = isObject(b.service);
  const hasResource = isObject(b.resource);
  if (hasService && hasResource)
    errs.push(fieldErrors.invalid(field, "", "cannot set both resource and service backends"));
  else if (!hasService && !hasResource)
    errs.push(fieldErrors.invalid(field, "", "one backend type must be specified"));
  if (!hasService) return;
  const svc = obj(b.service);
  const name = str(svc.name);
  if (!name) errs.push(fieldErrors.required(`${field}.service.name`));
  else
    for (const msg of isDNS1035Label(name))
      errs.push(fieldErrors.invalid(`${field}.service.name`, name, msg));
  const port = obj(svc.port);
  const hasName = str(port.name) !== "";
  const hasNumber = typeof port.number === "number" && port.number !== 0;
  if (hasName && hasNumber)
    errs.push(
      fieldErrors.invalid(`${field}.service.port`, port, "cannot set both port name & port number"),
    );
  else if (hasName)
    for (const msg of isValidPortName(str(port.name)))
      errs.push(fieldErrors.invalid(`${field}.service.port.name`, port.name, msg));
  else if (hasNumber)
    for (const msg of isValidPortNum(Number(port.number)))
      errs.push(fieldErrors.invalid(`${field}.service.port.number`, port.number, msg));
  else errs.push(fieldErrors.required(`${field}.service.port`, "port name or number is required"));
}

/** An Ingress: backend or rules; hosts, paths, path types and backends valid. */
export function validateIngress(o: KObject): FieldError[] {
  const errs = meta(o);
  const spec = obj(o.spec);
  const rules = objects(spec.rules);
  if (!isObject(spec.defaultBackend) && rules.length === 0) {
    errs.push(
      invalidRendered(
        "spec",
        "[]networking.IngressRule(nil)",
        "either `defaultBackend` or `rules` must be specified",
      ),
    );
  }
  if (isObject(spec.defaultBackend))
    validateBackend(spec.defaultBackend, "spec.defaultBackend", errs);
  const className = str(spec.ingressClassName);
  if (className)
    for (const msg of isDNS1123Subdomain(className))
      errs.push(fieldErrors.invalid("spec.ingressClassName", className, msg));
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host) {
      if (isIP(host) !== 0)
        errs.push(
          fieldErrors.invalid(`${path}.host`, host, "must be a DNS name, not an IP address"),
        );
      const bare = host.startsWith("*.") ? host.slice(2) : host;
      for (const msg of isDNS1123Subdomain(bare))
        errs.push(fieldErrors.invalid(`${path}.host`, host, msg));
    }
    if (rule.http === undefined) return;
    const paths = objects(obj(rule.http).paths);
    if (paths.length === 0) errs.push(fieldErrors.required(`${path}.http.paths`));
    paths.forEach((p, j) => {
      const pp = `${path}.http.paths[${j}]`;
      const type = str(p.pathType);
      if (!type) errs.push(fieldErrors.required(`${pp}.pathType`, "pathType must be specified"));
      else if (!PATH_TYPES.includes(type))
        errs.push(fieldErrors.notSupported(`${pp}.pathType`, type, PATH_TYPES));
      const value = str(p.path);
      if ((type === "Exact" || type === "Prefix") && !value.startsWith("/")) {
        errs.push(fieldErrors.invalid(`${pp}.path`, value, "must be an absolute path"));
      }
      validateBackend(obj(p.backend), `${pp}.backend`, errs);
    });
  });
  return errs;
}

/** An IngressClass: controller required, a domain-prefixed path of at most 250 characters. */
export function validateIngressClass(o: KObject): FieldError[] {
  const errs = meta(o, false);
  const controller = str(obj(o.spec).controller);
  if (!controller) errs.push(fieldErrors.required("spec.controller"));
  else if (controller.length > 250) errs.push(fieldErrors.tooLong("spec.controller", 250));
  else if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/\S+$/.test(controller)) {
    errs.push(
      fieldErrors.invalid(
        "spec.controller",
        controller,
        'must be a domain-prefixed path (such as "acme.io/foo")',
      ),
    );
  }
  return errs;
}

/** IngressClass updates: controller immutable. */
export function validateIngressClassUpdate(o: KObject, old: KObject): FieldError[] {
  return validateImmutable("spec.controller", obj(o.spec).controller, obj(old.spec).controller);
}
