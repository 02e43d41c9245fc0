/** Validation of ConfigMaps, Secrets and ServiceAccounts, as upstream. */
import { fieldErrors, type FieldError } from "../status.ts";
import type { KObject } from "../types.ts";
import { isConfigMapKey, nameIsDNSSubdomain } from "./names.ts";
import { deepEqual, isObject, obj, str } from "./field.ts";
import { validateObjectMeta, validateObjectMetaUpdate } from "./object-meta.ts";

/** Upstream's MaxSecretSize, also the ConfigMap data limit: 1 MiB. */
export const MAX_DATA_SIZE = 1024 * 1024;

const meta = (o: KObject) =>
  validateObjectMeta(o, { namespaced: true, nameFn: nameIsDNSSubdomain });

function keyErrors(data: unknown, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObject(data)) return errs;
  for (const key of Object.keys(data)) {
    for (const msg of isConfigMapKey(key))
      errs.push(fieldErrors.invalid(`${field}[${key}]`, key, msg));
  }
  return errs;
}

function base64Size(v: unknown): number {
  const s = str(v);
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

/** A ConfigMap: valid keys, no key in both data and binaryData, ≤ 1 MiB. */
export function validateConfigMap(o: KObject): FieldError[] {
  const errs = [...meta(o), ...keyErrors(o.data, "data"), ...keyErrors(o.binaryData, "binaryData")];
  const data = obj(o.data);
  const binary = obj(o.binaryData);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    size += Buffer.byteLength(str(v));
    if (k in binary)
      errs.push(fieldErrors.invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
  }
  for (const v of Object.values(binary)) size += base64Size(v);
  if (size > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong("", MAX_DATA_SIZE));
  return errs;
}

/** Data of an immutable ConfigMap or Secret may not change; immutable may not be unset. */
function validateImmutableData(o: KObject, old: KObject, keys: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (o.immutable !== true)
    errs.push(fieldErrors.forbidden("immutable", "field is immutable when `immutable` is set"));
  for (const k of keys) {
    if (!deepEqual(o[k], old[k]))
      errs.push(fieldErrors.forbidden(k, "field is immutable when `immutable` is set"));
  }
  return errs;
}

/** ConfigMap updates. */
export function validateConfigMapUpdate(o: KObject, old: KObject): FieldError[] {
  return [
    ...validateObjectMetaUpdate(o, old),
    ...validateImmutableData(o, old, ["data", "binaryData"]),
  ];
}

const SA_NAME_KEY = "kubernetes.io/service-account.name";

/** A Secret: valid keys, ≤ 1 MiB, type-specific required keys. */
export function validateSecret(o: KObject): FieldError[] {
  const errs = [...meta(o), ...keyErrors(o.data, "data"), ...keyErrors(o.stringData, "stringData")];
  const data = obj(o.data);
  let size = 0;
  for (const v of Object.values(data)) size += base64Size(v);
  if (size > MAX_DATA_SIZE) errs.push(fieldErrors.tooLong("data", MAX_DATA_SIZE));
  const has = (k: string) => k in data || k in obj(o.stringData);
  switch (str(o.type)) {
    case "kubernetes.io/service-account-token":
      if (!str(obj(obj(o.metadata).annotations)[SA_NAME_KEY])) {
        errs.push(fieldErrors.required(`metadata.annotations[${SA_NAME_KEY}]`));
      }
      break;
    case "kubernetes.io/dockercfg":
      if (!has(".dockercfg")) errs.push(fieldErrors.required("data[.dockercfg]"));
      break;
    case "kubernetes.io/dockerconfigjson":
      if (!has(".dockerconfigjson")) errs.push(fieldErrors.required("data[.dockerconfigjson]"));
      break;
    case "kubernetes.io/basic-auth":
      if (!has("username") && !has("password")) {
        errs.push(
          fieldErrors.required("data[username]", "either username or password is required"),
        );
      }
      break;
    case "kubernetes.io/ssh-auth":
      if (!has("ssh-privatekey")) errs.push(fieldErrors.required("data[ssh-privatekey]"));
      break;
    case "kubernetes.io/tls":
      if (!has("tls.key")) errs.push(fieldErrors.required("data[tls.key]"));
      if (!has("tls.crt")) errs.push(fieldErrors.required("data[tls.crt]"));
      break;
  }
  return errs;
}

/** Secret updates: type immutable; data immutable when `immutable`. */
export function validateSecretUpdate(o: KObject, old: KObject): FieldError[] {
  const errs = [...validateObjectMetaUpdate(o, old), ...validateImmutableData(o, old, ["data"])];
  if (str(old.type) && str(o.type) !== str(old.type))
    errs.push(fieldErrors.invalid("type", o.type, "field is immutable"));
  return errs;
}

/** A ServiceAccount. */
export function validateServiceAccount(o: KObject): FieldError[] {
  return meta(o);
}
