/**
 * Defaulting of the smaller core kinds: Namespace, Secret, PersistentVolume,
 * PersistentVolumeClaim, Endpoints. Mutates in place; idempotent.
 */
import type { KObject } from "../types.ts";
import { isObject, objects, str } from "../validation/field.ts";
import { setDefault } from "./workloads.ts";
import { copyJson } from "../../util/json-copy.ts";

type Obj = Record<string, unknown>;

export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The kubernetes.io/metadata.name label always equals the name; status.phase Active. */
export function defaultNamespace(o: KObject): void {
  const meta = setDefault<Obj>(o as Obj, "metadata", {});
  const name = str(meta.name);
  if (name) {
    const labels = setDefault<Record<string, string>>(meta, "labels", {});
    labels[NAMESPACE_NAME_LABEL] = name;
  }
  const status = setDefault<Obj>(o as Obj, "status", {});
  setDefault(status, "phase", "Active");
}

/** On create: status Active and the "kubernetes" finalizer in spec.finalizers. */
export function prepareNamespaceForCreate(o: KObject): void {
  o.status = { phase: "Active" };
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  const finalizers = Array.isArray(spec.finalizers) ? spec.finalizers : [];
  if (!finalizers.includes("kubernetes")) spec.finalizers = [...finalizers, "kubernetes"];
}

/** Main-resource namespace updates keep spec.finalizers and status. */
export function prepareNamespaceForUpdate(o: KObject, old: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  const oldFinalizers = isObject(old.spec) ? old.spec.finalizers : undefined;
  if (oldFinalizers === undefined) delete spec.finalizers;
  else spec.finalizers = copyJson(oldFinalizers);
  if (old.status === undefined) delete o.status;
  else o.status = copyJson(old.status);
}

/** namespaces/finalize writes change spec.finalizers only: keep the old status. */
export function prepareNamespaceForFinalize(o: KObject, old: KObject): void {
  if (old.status === undefined) delete o.status;
  else o.status = copyJson(old.status);
}

/**
 * Secret type defaults to Opaque; stringData is write-only: its entries are
 * merged into data (base64, overriding) and the field dropped, as upstream's
 * v1 conversion does.
 */
export function defaultSecret(o: KObject): void {
  setDefault(o as Obj, "type", "Opaque");
  if (isObject(o.stringData)) {
    const data = isObject(o.data) ? o.data : {};
    for (const [k, v] of Object.entries(o.stringData))
      data[k] = Buffer.from(str(v), "utf8").toString("base64");
    if (Object.keys(data).length > 0) o.data = data;
  }
  delete o.stringData;
}

/** LimitRange Container items: default from max, defaultRequest from default then min. */
export function defaultLimitRange(o: KObject): void {
  for (const item of objects(isObject(o.spec) ? o.spec.limits : undefined)) {
    if (item.type !== "Container") continue;
    const def: Obj = isObject(item.default) ? item.default : {};
    const req: Obj = isObject(item.defaultRequest) ? item.defaultRequest : {};
    for (const [k, v] of Object.entries(isObject(item.max) ? item.max : {})) setDefault(def, k, v);
    for (const [k, v] of Object.entries(def)) setDefault(req, k, v);
    for (const [k, v] of Object.entries(isObject(item.min) ? item.min : {})) setDefault(req, k, v);
    if (Object.keys(def).length > 0) item.default = def;
    if (Object.keys(req).length > 0) item.defaultRequest = req;
  }
}

/** PersistentVolume: reclaim policy Retain, volumeMode Filesystem, phase Pending. */
export function defaultPersistentVolume(o: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(spec, "persistentVolumeReclaimPolicy", "Retain");
  setDefault(spec, "volumeMode", "Filesystem");
  const status = setDefault<Obj>(o as Obj, "status", {});
  setDefault(status, "phase", "Pending");
}

/** PersistentVolumeClaim: volumeMode Filesystem, phase Pending. */
export function defaultPersistentVolumeClaim(o: KObject): void {
  const spec = setDefault<Obj>(o as Obj, "spec", {});
  setDefault(spec, "volumeMode", "Filesystem");
  const status = setDefault<Obj>(o as Obj, "status", {});
  setDefault(status, "phase", "Pending");
}

/** Node status: allocatable defaults to capacity (SetDefaults_NodeStatus). */
export function defaultNode(o: KObject): void {
  if (!isObject(o.status)) return;
  if (o.status.allocatable === undefined && isObject(o.status.capacity)) {
    o.status.allocatable = copyJson(o.status.capacity);
  }
}

/** Endpoints ports default to TCP. */
export function defaultEndpoints(o: KObject): void {
  for (const subset of objects(o.subsets))
    for (const p of objects(subset.ports)) setDefault(p, "protocol", "TCP");
}
