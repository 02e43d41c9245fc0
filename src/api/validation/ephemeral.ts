/**
 * The pods/ephemeralcontainers subresource, as upstream's
 * podEphemeralContainersStrategy: only spec.ephemeralContainers changes,
 * existing ephemeral containers are immutable, new ones are valid containers
 * without ports, probes, lifecycle or resources.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { deepEqual, obj, objects, str } from "./field.ts";
import { validateObjectMetaUpdate } from "./object-meta.ts";
import { validateContainers } from "./container.ts";
import { defaultContainer } from "../defaults/pod.ts";

/** Keeps the stored pod except spec.ephemeralContainers (defaulted). */
export function prepareEphemeralContainersUpdate(pod: KObject, old: KObject): void {
  const next = structuredClone(old);
  const spec = obj(next.spec);
  const wanted = obj(pod.spec).ephemeralContainers;
  if (wanted === undefined) delete spec.ephemeralContainers;
  else {
    spec.ephemeralContainers = structuredClone(wanted);
    for (const c of objects(spec.ephemeralContainers))
      defaultContainer(c, spec.hostNetwork === true);
  }
  next.spec = spec;
  next.metadata = { ...next.metadata, resourceVersion: pod.metadata?.resourceVersion };
  for (const k of Object.keys(pod)) delete pod[k];
  Object.assign(pod, next);
}

const FORBIDDEN_FIELDS = [
  "ports",
  "livenessProbe",
  "readinessProbe",
  "startupProbe",
  "lifecycle",
  "resources",
  "resizePolicy",
];

/** Ephemeral containers may be added, never changed or removed. */
export function validateEphemeralContainersUpdate(pod: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMetaUpdate(pod, old);
  const spec = obj(pod.spec);
  const news = objects(spec.ephemeralContainers);
  const olds = objects(obj(old.spec).ephemeralContainers);
  for (const o of olds) {
    const match = news.find((n) => n.name === o.name);
    const problem = !match ? "removed" : deepEqual(match, o) ? "" : "changed";
    if (problem) {
      errs.push(
        fieldErrors.forbidden(
          "spec.ephemeralContainers",
          `existing ephemeral containers ${JSON.stringify(str(o.name))} may not be ${problem}`,
        ),
      );
    }
  }
  const names = new Set<string>();
  for (const c of [...objects(spec.initContainers), ...objects(spec.containers)])
    names.add(str(c.name));
  const volumes = new Set(objects(spec.volumes).map((v) => str(v.name)));
  errs.push(
    ...validateContainers(news, "spec.ephemeralContainers", {
      names,
      volumes,
      hostNetwork: spec.hostNetwork === true,
    }),
  );
  news.forEach((c, i) => {
    for (const f of FORBIDDEN_FIELDS) {
      if (c[f] !== undefined && !(f === "resources" && Object.keys(obj(c[f])).length === 0)) {
        errs.push(
          fieldErrors.forbidden(
            `spec.ephemeralContainers[${i}].${f}`,
            "cannot be set for an Ephemeral Container",
          ),
        );
      }
    }
  });
  return errs;
}
