/**
 * Container validation as upstream (pkg/apis/core/validation): names, image,
 * ports, env, volume mounts, resources and the enum fields.
 */
import { fieldErrors, type FieldError } from "../status.ts";
import { isDNS1123Label, isEnvVarName, isValidPortName, isValidPortNum } from "./names.ts";
import { isObject, notFoundField, obj, objects, str } from "./field.ts";
import { parseQuantity } from "./quantity.ts";
import { validateContainerRestartPolicy, validateProbes } from "./probe.ts";

export const SUPPORTED_PROTOCOLS = ["SCTP", "TCP", "UDP"];
const PULL_POLICIES = ["Always", "IfNotPresent", "Never"];
const TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"];

/** Context shared by all containers of one pod spec. */
export interface ContainerContext {
  /** Names of the pod's volumes (mounts must name one). */
  volumes: Set<string>;
  /** Container names seen so far across init, regular and ephemeral containers. */
  names: Set<string>;
  hostNetwork: boolean;
  /** The list being validated holds init containers (sidecar restartPolicy allowed). */
  init?: boolean;
}

/** A list of containers at `field` ("spec.containers"). */
export function validateContainers(
  list: unknown,
  field: string,
  ctx: ContainerContext,
): FieldError[] {
  const errs: FieldError[] = [];
  objects(list).forEach((c, i) => errs.push(...validateContainer(c, `${field}[${i}]`, ctx)));
  return errs;
}

function validateContainer(
  c: Record<string, unknown>,
  path: string,
  ctx: ContainerContext,
): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(fieldErrors.required(`${path}.name`));
  else {
    const msgs = isDNS1123Label(name);
    for (const msg of msgs) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
    if (msgs.length === 0 && ctx.names.has(name))
      errs.push(fieldErrors.duplicate(`${path}.name`, name));
    ctx.names.add(name);
  }
  const image = str(c.image);
  if (!image) errs.push(fieldErrors.required(`${path}.image`));
  else if (image.trim() !== image) {
    errs.push(
      fieldErrors.invalid(`${path}.image`, image, "must not have leading or trailing whitespace"),
    );
  }
  errs.push(...enumField(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  errs.push(
    ...enumField(
      `${path}.terminationMessagePolicy`,
      c.terminationMessagePolicy,
      TERMINATION_MESSAGE_POLICIES,
    ),
  );
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`, ctx.hostNetwork));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateVolumeMounts(c.volumeMounts, `${path}.volumeMounts`, ctx.volumes));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  errs.push(...validateProbes(c, path));
  errs.push(...validateContainerRestartPolicy(c, path, ctx.init === true));
  return errs;
}

/** Required when empty, NotSupported when not one of `valid`. */
export function enumField(field: string, value: unknown, valid: string[]): FieldError[] {
  if (value === undefined || value === "") return [fieldErrors.required(field)];
  return valid.includes(str(value)) ? [] : [fieldErrors.notSupported(field, value, valid)];
}

function validateContainerPorts(ports: unknown, field: string, hostNetwork: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objects(ports).forEach((p, i) => {
    const path = `${field}[${i}]`;
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      for (const msg of msgs) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
      if (msgs.length === 0) {
        if (names.has(name)) errs.push(fieldErrors.duplicate(`${path}.name`, name));
        names.add(name);
      }
    }
    const containerPort = p.containerPort;
    if (!containerPort) errs.push(fieldErrors.required(`${path}.containerPort`));
    else
      for (const msg of isValidPortNum(Number(containerPort))) {
        errs.push(fieldErrors.invalid(`${path}.containerPort`, containerPort, msg));
      }
    if (p.hostPort) {
      for (const msg of isValidPortNum(Number(p.hostPort))) {
        errs.push(fieldErrors.invalid(`${path}.hostPort`, p.hostPort, msg));
      }
      if (hostNetwork && p.hostPort !== containerPort) {
        errs.push(
          fieldErrors.invalid(
            `${path}.hostPort`,
            p.hostPort,
            "must match `containerPort` when `hostNetwork` is true",
          ),
        );
      }
    }
    errs.push(...enumField(`${path}.protocol`, p.protocol, SUPPORTED_PROTOCOLS));
  });
  return errs;
}

const ENV_SOURCES = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef"];

function validateEnv(env: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(env).forEach((e, i) => {
    const path = `${field}[${i}]`;
    const name = str(e.name);
    if (!name) errs.push(fieldErrors.required(`${path}.name`));
    else
      for (const msg of isEnvVarName(name))
        errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
    if (isObject(e.valueFrom)) {
      const sources = ENV_SOURCES.filter((s) => isObject(obj(e.valueFrom)[s]));
      if (sources.length === 0) {
        errs.push(
          fieldErrors.invalid(
            `${path}.valueFrom`,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
          ),
        );
      } else if (sources.length > 1) {
        errs.push(
          fieldErrors.invalid(
            `${path}.valueFrom`,
            "",
            "may not have more than one field specified at a time",
          ),
        );
      }
      if (str(e.value)) {
        errs.push(
          fieldErrors.invalid(
            `${path}.valueFrom`,
            "",
            "may not be specified when `value` is not empty",
          ),
        );
      }
    }
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, field: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  objects(mounts).forEach((m, i) => {
    const path = `${field}[${i}]`;
    const name = str(m.name);
    if (!name) errs.push(fieldErrors.required(`${path}.name`));
    else if (!volumes.has(name)) errs.push(notFoundField(`${path}.name`, name));
    const mountPath = str(m.mountPath);
    if (!mountPath) errs.push(fieldErrors.required(`${path}.mountPath`));
    else if (paths.has(mountPath))
      errs.push(fieldErrors.invalid(`${path}.mountPath`, mountPath, "must be unique"));
    paths.add(mountPath);
  });
  return errs;
}

/** Requests and limits: valid non-negative quantities, requests ≤ limits. */
export function validateResources(resources: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const r = obj(resources);
  const limits = obj(r.limits);
  const requests = obj(r.requests);
  for (const [kind, values] of [
    ["limits", limits],
    ["requests", requests],
  ] as const) {
    for (const [name, q] of Object.entries(values)) {
      const v = parseQuantity(q);
      const path = `${field}.${kind}[${name}]`;
      if (v === undefined) errs.push(fieldErrors.invalid(path, q, "must be a valid quantity"));
      else if (v < 0) errs.push(fieldErrors.invalid(path, q, "must be greater than or equal to 0"));
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    if (!(name in limits)) continue;
    const req = parseQuantity(q);
    const lim = parseQuantity(limits[name]);
    if (req !== undefined && lim !== undefined && req > lim) {
      errs.push(
        fieldErrors.invalid(
          `${field}.requests[${name}]`,
          String(q),
          `must be less than or equal to ${name} limit of ${String(limits[name])}`,
        ),
      );
    }
  }
  return errs;
}
