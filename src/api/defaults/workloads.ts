/**
 * Defaulting of apps/v1 workloads and core ReplicationControllers, as
 * upstream's apps/v1 and core/v1 SetDefaults_* functions. Mutates in place;
 * idempotent.
 */
import type { KObject } from "../types.ts";
import { isObject, obj } from "../validation/field.ts";
import { defaultPodTemplate } from "./pod.ts";

type Obj = Record<string, unknown>;

/** Sets o[key] = value when absent; returns o[key]. */
export function setDefault<T>(o: Obj, key: string, value: T): T {
  if (o[key] === undefined || o[key] === null) o[key] = value;
  return o[key] as T;
}

function spec(o: KObject): Obj {
  return setDefault<Obj>(o, "spec", {});
}

/** Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
export function defaultDeployment(o: KObject): void {
  const s = spec(o);
  setDefault(s, "replicas", 1);
  const strategy = setDefault<Obj>(s, "strategy", {});
  setDefault(strategy, "type", "RollingUpdate");
  if (strategy.type === "RollingUpdate") {
    const ru = setDefault<Obj>(strategy, "rollingUpdate", {});
    setDefault(ru, "maxUnavailable", "25%");
    setDefault(ru, "maxSurge", "25%");
  }
  setDefault(s, "revisionHistoryLimit", 10);
  setDefault(s, "progressDeadlineSeconds", 600);
  defaultPodTemplate(s.template);
}

/** ReplicaSet: replicas 1. */
export function defaultReplicaSet(o: KObject): void {
  const s = spec(o);
  setDefault(s, "replicas", 1);
  defaultPodTemplate(s.template);
}

/** StatefulSet: replicas 1, OrderedReady, RollingUpdate partition 0, history 10, Retain/Retain. */
export function defaultStatefulSet(o: KObject): void {
  const s = spec(o);
  setDefault(s, "replicas", 1);
  setDefault(s, "podManagementPolicy", "OrderedReady");
  const update = setDefault<Obj>(s, "updateStrategy", {});
  setDefault(update, "type", "RollingUpdate");
  if (update.type === "RollingUpdate") {
    const ru = setDefault<Obj>(update, "rollingUpdate", {});
    setDefault(ru, "partition", 0);
  }
  setDefault(s, "revisionHistoryLimit", 10);
  const retention = setDefault<Obj>(s, "persistentVolumeClaimRetentionPolicy", {});
  setDefault(retention, "whenDeleted", "Retain");
  setDefault(retention, "whenScaled", "Retain");
  if (Array.isArray(s.volumeClaimTemplates)) {
    for (const t of s.volumeClaimTemplates) {
      if (!isObject(t)) continue;
      setDefault(t, "apiVersion", "v1");
      setDefault(t, "kind", "PersistentVolumeClaim");
      const ts = setDefault<Obj>(t, "spec", {});
      setDefault(ts, "volumeMode", "Filesystem");
      setDefault(t, "status", { phase: "Pending" });
    }
  }
  defaultPodTemplate(s.template);
}

/** DaemonSet: RollingUpdate maxUnavailable 1 / maxSurge 0, revisionHistoryLimit 10. */
export function defaultDaemonSet(o: KObject): void {
  const s = spec(o);
  const update = setDefault<Obj>(s, "updateStrategy", {});
  setDefault(update, "type", "RollingUpdate");
  if (update.type === "RollingUpdate") {
    const ru = setDefault<Obj>(update, "rollingUpdate", {});
    setDefault(ru, "maxUnavailable", 1);
    setDefault(ru, "maxSurge", 0);
  }
  setDefault(s, "revisionHistoryLimit", 10);
  defaultPodTemplate(s.template);
}

/** ReplicationController: replicas 1; selector and labels default to the template's labels. */
export function defaultReplicationController(o: KObject): void {
  const s = spec(o);
  setDefault(s, "replicas", 1);
  const labels = obj(obj(s.template).metadata).labels;
  if (isObject(labels)) {
    if (!isObject(s.selector) || Object.keys(s.selector).length === 0) s.selector = { ...labels };
    const meta = setDefault<Obj>(o as Obj, "metadata", {});
    if (!isObject(meta.labels) || Object.keys(meta.labels).length === 0)
      meta.labels = { ...labels };
  }
  defaultPodTemplate(s.template);
}
