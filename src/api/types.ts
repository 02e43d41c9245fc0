/**
 * The resource registry's vocabulary. Every served resource is one
 * ResourceDef; routing, discovery, OpenAPI, field selectors and table
 * printing are all derived from it.
 */
import type { FieldError } from "./status.ts";

/** A Kubernetes object as stored and served: plain JSON. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: "FieldsV1";
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [key: string]: unknown;
}

export type Verb =
  "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";

export const ALL_VERBS: Verb[] = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
];

/**
 * What happens on a write, beyond the generic object semantics.
 *
 * Order on create: defaults, then prepareForCreate (after metadata.uid and a
 * generated name are assigned: the Job selector needs them), then validate.
 * Order on update: defaults, prepareForUpdate, validate + validateUpdate.
 * On /status: prepareForStatusUpdate, then validateStatusUpdate only.
 * validate covers ObjectMeta (the kind's name rule, namespace, labels,
 * annotations, owner references) as well as the kind's own fields.
 */
export interface Strategy {
  /**
   * The validators compile or evaluate CEL (src/cel/lazy.ts): the API server
   * loads CEL before calling them.
   */
  usesCel?: boolean;
  /** Fills defaults in place (called on create, update and patch results). */
  defaults?(obj: KObject): void;
  /** Field errors for a new object. */
  validate?(obj: KObject): FieldError[];
  /** Field errors for an update (immutable fields etc.). Called in addition to validate. */
  validateUpdate?(obj: KObject, old: KObject): FieldError[];
  /**
   * validateUpdate checks the whole object itself (as upstream's
   * ValidateUpdate functions that validate a new object against its old
   * one): updates then skip validate.
   */
  validateUpdateIsComplete?: boolean;
  /** Adjusts a new object before storing (e.g. drop status, set phase). */
  prepareForCreate?(obj: KObject): void;
  /** Adjusts an updated object before storing (e.g. keep old status on main resource). */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /**
   * Adjusts an object written through the /status subresource before storing:
   * keeps the old spec (and other non-status fields), takes the new status.
   */
  prepareForStatusUpdate?(obj: KObject, old: KObject): void;
  /**
   * Field errors for a write through /status. On /status writes it replaces
   * both validate and validateUpdate (upstream's status strategies validate
   * metadata and status only); absent means no kind-specific checks.
   */
  validateStatusUpdate?(obj: KObject, old: KObject): FieldError[];
  /**
   * Writes through other object-valued subresources (pods/ephemeralcontainers),
   * keyed by subresource name: prepareForUpdate keeps everything the
   * subresource may not change; validateUpdate replaces validate and
   * validateUpdate for that write.
   */
  subresources?: Record<
    string,
    {
      prepareForUpdate?(obj: KObject, old: KObject): void;
      validateUpdate?(obj: KObject, old: KObject): FieldError[];
    }
  >;
}

export interface SubresourceDef {
  /** "status", "scale", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "token", "approval", "ephemeralcontainers" */
  name: string;
  kind: string;
  /** group/version of the subresource's kind when it differs (scale: autoscaling/v1). */
  group?: string;
  version?: string;
  verbs: Verb[];
}

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  description: string;
  /** 0: always shown; >0: only with -o wide. */
  priority: number;
}

export interface TablePrinter {
  columns: TableColumn[];
  /** One row of cells for an object, in column order. `now` is for AGE. */
  row(obj: KObject, now: Date): unknown[];
}

export interface ResourceDef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** Plural lowercase, as in URLs. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to ALL_VERBS. */
  verbs?: Verb[];
  subresources?: SubresourceDef[];
  /**
   * Storage identity when several versions share one stored object
   * (autoscaling/v1 and v2 HPAs). Defaults to { group, resource }.
   */
  storage?: { group: string; resource: string; version: string };
  strategy?: Strategy;
  /** Extra field selectors beyond metadata.name / metadata.namespace. */
  fieldSelectors?: Record<string, (obj: KObject) => string | undefined>;
  /** Keys expire after this many seconds (events: 3600). */
  ttlSeconds?: number;
  /** Spec changes bump metadata.generation (default true for kinds with spec). */
  hasGeneration?: boolean;
  /**
   * Converts an object of this resource, in any version sharing its storage,
   * to `toApiVersion` ("autoscaling/v1", "v1" for core ...), returning a copy.
   * Present when `storage` names another version or group than this def's.
   * The strategy works on objects in this def's own version.
   */
  convert?(obj: KObject, toApiVersion: string): KObject;
  /**
   * `convert` without the copy, where the conversion allows it: the result
   * shares obj's values. For objects nobody else holds (a fresh decode) or
   * read-only uses (serializing the stored form).
   */
  convertShared?(obj: KObject, toApiVersion: string): KObject;
  /**
   * Asynchronous conversion of several objects at once (custom resources
   * converted by a webhook: one ConversionReview per call). Returns copies in
   * `toApiVersion`, in input order. When present, every path that converts
   * awaits it (ObjectStore, admission) and `convert` throws; `list` marks a
   * list response, for upstream's wording of list errors.
   */
  convertMany?(
    objs: KObject[],
    toApiVersion: string,
    opts?: { list?: boolean },
  ): Promise<KObject[]>;
  /** Table printer of this def (custom resources); default: the printers table by group/resource. */
  printer?: TablePrinter;
  /**
   * Adjusts an object just read from storage, in place, after conversion
   * (custom resources: pruning and schema defaults, as upstream on read).
   */
  onRead?(obj: KObject): void;
  /**
   * Where the scale subresource reads and writes (custom resources; dotted
   * JSON paths such as ".spec.replicas"). Default: spec.replicas,
   * status.replicas and the selector in spec.selector.
   */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** Sent as a Warning header on every request to this def (deprecated custom resource versions). */
  deprecationWarning?: string;
}
