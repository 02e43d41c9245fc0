/**
 * Field selectors of the core resources, beyond metadata.name and
 * metadata.namespace, with upstream's value formats: absent strings are "",
 * booleans "true"/"false", integers in decimal.
 */
import type { KObject } from "../types.ts";

type Selectors = Record<string, (obj: KObject) => string | undefined>;

/** Reads a nested property; undefined when any step is missing. */
export function fieldAt(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A selector reading a string field, "" when absent. */
export function stringField(path: string): (obj: KObject) => string {
  return (obj) => {
    const v = fieldAt(obj, path);
    return v === undefined || v === null ? "" : String(v);
  };
}

/** A selector reading a boolean field, "false" when absent. */
export function boolField(path: string): (obj: KObject) => string {
  return (obj) => (fieldAt(obj, path) === true ? "true" : "false");
}

/** A selector reading an integer field, "0" when absent. */
export function intField(path: string): (obj: KObject) => string {
  return (obj) => {
    const v = fieldAt(obj, path);
    return typeof v === "number" ? String(v) : "0";
  };
}

const pods: Selectors = {
  "spec.nodeName": stringField("spec.nodeName"),
  "spec.restartPolicy": stringField("spec.restartPolicy"),
  "spec.schedulerName": stringField("spec.schedulerName"),
  "spec.serviceAccountName": stringField("spec.serviceAccountName"),
  "spec.hostNetwork": boolField("spec.hostNetwork"),
  "status.phase": stringField("status.phase"),
  // upstream: the first of status.podIPs, "" when none
  "status.podIP": (obj) => {
    const ips = fieldAt(obj, "status.podIPs");
    if (Array.isArray(ips) && ips.length > 0) return String((ips[0] as { ip?: string }).ip ?? "");
    return stringField("status.podIP")(obj);
  },
  "status.nominatedNodeName": stringField("status.nominatedNodeName"),
};

const events: Selectors = {
  "involvedObject.kind": stringField("involvedObject.kind"),
  "involvedObject.namespace": stringField("involvedObject.namespace"),
  "involvedObject.name": stringField("involvedObject.name"),
  "involvedObject.uid": stringField("involvedObject.uid"),
  "involvedObject.apiVersion": stringField("involvedObject.apiVersion"),
  "involvedObject.resourceVersion": stringField("involvedObject.resourceVersion"),
  "involvedObject.fieldPath": stringField("involvedObject.fieldPath"),
  reason: stringField("reason"),
  reportingComponent: stringField("reportingComponent"),
  // upstream: source.component, falling back to reportingComponent
  source: (obj) => {
    const component = stringField("source.component")(obj);
    return component || stringField("reportingComponent")(obj);
  },
  type: stringField("type"),
};

/** Field selectors by core resource name. */
export const coreFieldSelectors: Record<string, Selectors> = {
  pods,
  events,
  secrets: { type: stringField("type") },
  nodes: { "spec.unschedulable": boolField("spec.unschedulable") },
  namespaces: { "status.phase": stringField("status.phase") },
  replicationcontrollers: { "status.replicas": intField("status.replicas") },
  services: {
    "spec.clusterIP": stringField("spec.clusterIP"),
    "spec.type": stringField("spec.type"),
  },
};
