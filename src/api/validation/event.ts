/**
 * Event validation as upstream's ValidateEventCreate: core/v1 Events and
 * events.k8s.io/v1 Events (checked in their core/v1 form, with upstream's
 * field paths: involvedObject.namespace, reportingController ...).
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from "./names.ts";
import { obj, str } from "./field.ts";
import { validateObjectMeta } from "./object-meta.ts";
import { eventInVersion } from "../resources/events-conversion.ts";

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

const mismatch = (involved: unknown) =>
  fieldErrors.invalid("involvedObject.namespace", str(involved), "does not match event.namespace");

/**
 * A core/v1-shaped Event. Old-style events (no eventTime) need matching
 * namespaces; new-style ones need reporting fields. `controllerField` names
 * the reporting controller as the request's version spells it.
 */
function validateEventFields(o: KObject, controllerField: string): FieldError[] {
  const errs = validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });
  const namespace = str(obj(o.metadata).namespace);
  const involvedNamespace = str(obj(o.involvedObject).namespace);
  if (!str(o.eventTime)) {
    if (!involvedNamespace) {
      if (namespace !== "" && namespace !== "default") errs.push(mismatch(involvedNamespace));
    } else if (namespace !== involvedNamespace) errs.push(mismatch(involvedNamespace));
  } else {
    if (!involvedNamespace && namespace !== "default" && namespace !== "kube-system") {
      errs.push(mismatch(involvedNamespace));
    }
    const controller = str(o.reportingComponent);
    if (!controller) errs.push(fieldErrors.required(controllerField));
    for (const msg of isQualifiedName(controller))
      errs.push(fieldErrors.invalid(controllerField, controller, msg));
    const instance = str(o.reportingInstance);
    if (!instance) errs.push(fieldErrors.required("reportingInstance"));
    if (instance.length > REPORTING_INSTANCE_LIMIT) {
      errs.push(
        fieldErrors.invalid(
          "reportingInstance",
          "",
          `can have at most ${REPORTING_INSTANCE_LIMIT} characters`,
        ),
      );
    }
    const action = str(o.action);
    if (!action) errs.push(fieldErrors.required("action"));
    if (action.length > ACTION_LIMIT)
      errs.push(fieldErrors.invalid("action", "", `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(o.reason);
    if (!reason) errs.push(fieldErrors.required("reason"));
    if (reason.length > REASON_LIMIT)
      errs.push(fieldErrors.invalid("reason", "", `can have at most ${REASON_LIMIT} characters`));
    if (str(o.message).length > NOTE_LIMIT) {
      errs.push(fieldErrors.invalid("message", "", `can have at most ${NOTE_LIMIT} characters`));
    }
  }
  if (namespace)
    for (const msg of isDNS1123Subdomain(namespace))
      errs.push(fieldErrors.invalid("namespace", namespace, msg));
  return errs;
}

/** A core/v1 Event. */
export function validateEvent(o: KObject): FieldError[] {
  return validateEventFields(o, "reportingComponent");
}

/** An events.k8s.io/v1 Event: eventTime required, then the core rules. */
export function validateEventsV1Event(o: KObject): FieldError[] {
  const core = eventInVersion(o, "v1"); // read only: no copy
  const errs = str(o.eventTime) ? [] : [fieldErrors.required("eventTime")];
  const type = o.type;
  if (type !== undefined && type !== "Normal" && type !== "Warning") {
    errs.push(fieldErrors.notSupported("type", type, ["Normal", "Warning"]));
  }
  return [...errs, ...validateEventFields(core, "reportingController")];
}
