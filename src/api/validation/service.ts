/** Service validation as upstream's ValidateService / ValidateServiceUpdate. */
import { isIP } from "node:net";
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
} from "./names.ts";
import { invalidRendered, obj, objects, str } from "./field.ts";
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";
import { SUPPORTED_PROTOCOLS, enumField } from "./container.ts";

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
const AFFINITIES = ["ClientIP", "None"];
const IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

function isHeadless(spec: Record<string, unknown>): boolean {
  return spec.clusterIP === "None";
}

/** A Service. */
export function validateService(svc: KObject): FieldError[] {
  const errs = validateObjectMeta(svc, { namespaced: true, nameFn: nameIsDNS1035Label });
  const spec = obj(svc.spec);
  const type = str(spec.type);
  errs.push(...enumField("spec.type", spec.type, SERVICE_TYPES));
  const ports = objects(spec.ports);
  if (ports.length === 0 && !isHeadless(spec) && type !== "ExternalName")
    errs.push(fieldErrors.required("spec.ports"));
  if (type === "ExternalName") {
    const name = str(spec.externalName).replace(/\.$/, "");
    if (!name) errs.push(fieldErrors.required("spec.externalName"));
    else
      for (const msg of isDNS1123Subdomain(name))
        errs.push(fieldErrors.invalid("spec.externalName", spec.externalName, msg));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && !name) errs.push(fieldErrors.required(`${path}.name`));
    else if (name) {
      for (const msg of isDNS1123Label(name))
        errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
      if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
      names.add(name);
    }
    for (const msg of isValidPortNum(Number(p.port)))
      errs.push(fieldErrors.invalid(`${path}.port`, p.port ?? 0, msg));
    errs.push(...enumField(`${path}.protocol`, p.protocol, SUPPORTED_PROTOCOLS));
    const target = p.targetPort;
    if (typeof target === "number") {
      for (const msg of isValidPortNum(target))
        errs.push(fieldErrors.invalid(`${path}.targetPort`, target, msg));
    } else if (typeof target === "string") {
      for (const msg of isValidPortName(target))
        errs.push(fieldErrors.invalid(`${path}.targetPort`, target, msg));
    }
    if (p.nodePort && type === "ClusterIP") {
      errs.push(
        fieldErrors.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"),
      );
    }
    const key = `${p.port}/${str(p.protocol)}`;
    if (keys.has(key)) {
      errs.push({
        type: "FieldValueDuplicate",
        field: path,
        message: `Duplicate value: core.ServicePort{Name:"", Protocol:${JSON.stringify(str(p.protocol))}, AppProtocol:(*string)(nil), Port:${Number(p.port)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
      });
    }
    keys.add(key);
  });
  if (spec.sessionAffinity !== undefined)
    errs.push(...enumField("spec.sessionAffinity", spec.sessionAffinity, AFFINITIES));
  const clusterIP = str(spec.clusterIP);
  if (clusterIP && clusterIP !== "None" && isIP(clusterIP) === 0) {
    errs.push(fieldErrors.invalid("spec.clusterIPs[0]", clusterIP, IP_ERROR));
  }
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(str) : [];
  if (clusterIP && ips.length > 0 && ips[0] !== clusterIP) {
    errs.push(
      fieldErrors.invalid("spec.clusterIPs", spec.clusterIPs, "element [0] must match clusterIP"),
    );
  }
  errs.push(...validateLabels(spec.selector, "spec.selector"));
  return errs;
}

/** Service updates: the allocated cluster IPs may not change (except to or from ExternalName). */
export function validateServiceUpdate(svc: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(svc, old);
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  if (spec.type === "ExternalName" || oldSpec.type === "ExternalName") return errs;
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs.map(str) : [];
  const oldIPs = Array.isArray(oldSpec.clusterIPs) ? oldSpec.clusterIPs.map(str) : [];
  if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) {
    const rendered = `[]string{${ips.map((ip) => JSON.stringify(ip)).join(", ")}}`;
    errs.push(invalidRendered("spec.clusterIPs[0]", rendered, "may not change once set"));
  }
  return errs;
}
