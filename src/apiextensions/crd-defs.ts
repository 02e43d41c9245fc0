/**
 * CustomResourceDefinition → ResourceDefs: one per served version, sharing
 * storage under /registry/<group>/<plural>/ in the storage version, with
 * `None` conversion (apiVersion rewrite) or a `Webhook` converter, then the
 * target version's pruning and defaults, the version's strategy, printer,
 * subresources and selectable fields.
 */
import type { KObject, ResourceDef, SubresourceDef, Verb } from "../api/types.ts";
import { compareKubeVersions } from "../api/registry.ts";
import { StatusError } from "../api/status.ts";
import type { BatchConvertFn } from "./conversion/webhook-converter.ts";
import { evaluateJSONPath, parseJSONPath } from "./jsonpath.ts";
import { customResourcePrinter } from "./printer.ts";
import { customResourceStrategy, normalizeCustomResource } from "./strategy.ts";
import type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  JSONSchemaProps,
} from "./types.ts";

/** Marks defs built from CRDs (the CRD's name), for the extensions wrapper. */
const owners = new WeakMap<ResourceDef, { crd: string; schema: JSONSchemaProps | undefined }>();

/** The CRD name and version schema a def was built from, undefined for built-in defs. */
export function customResourceInfo(
  def: ResourceDef,
): { crd: string; schema: JSONSchemaProps | undefined } | undefined {
  return owners.get(def);
}

/** The storage version's name (the version marked storage). */
export function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return crd.spec.versions.find((v) => v.storage)?.name;
}

function subresources(
  crd: CustomResourceDefinition,
  v: CustomResourceDefinitionVersion,
): SubresourceDef[] {
  const out: SubresourceDef[] = [];
  if (v.subresources?.status)
    out.push({ name: "status", kind: crd.spec.names.kind, verbs: ["get", "patch", "update"] });
  if (v.subresources?.scale) {
    out.push({
      name: "scale",
      kind: "Scale",
      group: "autoscaling",
      version: "v1",
      verbs: ["get", "patch", "update"],
    });
  }
  return out;
}

function fieldSelectors(v: CustomResourceDefinitionVersion): ResourceDef["fieldSelectors"] {
  const out: NonNullable<ResourceDef["fieldSelectors"]> = {};
  for (const f of v.selectableFields ?? []) {
    let steps: ReturnType<typeof parseJSONPath>;
    try {
      steps = parseJSONPath(f.jsonPath);
    } catch {
      continue;
    }
    out[f.jsonPath.replace(/^\./, "")] = (obj) => {
      const [value] = evaluateJSONPath(steps, obj);
      return value === undefined || value === null ? undefined : String(value);
    };
  }
  return out;
}

/**
 * Upstream's warning for a deprecated version: the CRD's own text, else
 * "<group>/<v> <Kind> is deprecated; use <group>/<newest> <Kind>" naming the
 * highest-priority served, non-deprecated version of at least equal stability.
 */
export function deprecationWarning(
  crd: CustomResourceDefinition,
  v: CustomResourceDefinitionVersion,
): string {
  if (v.deprecationWarning) return v.deprecationWarning;
  const { group, names } = crd.spec;
  const stability = (name: string) =>
    /^v\d+$/.test(name) ? 2 : /^v\d+beta\d+$/.test(name) ? 1 : 0;
  const candidates = crd.spec.versions
    .filter((x) => x.served && !x.deprecated && stability(x.name) >= stability(v.name))
    .map((x) => x.name)
    .sort(compareKubeVersions);
  const base = `${group}/${v.name} ${names.kind} is deprecated`;
  return candidates.length > 0 ? `${base}; use ${group}/${candidates[0]} ${names.kind}` : base;
}

/**
 * The served versions of `crd` as ResourceDefs. `webhook` converts between
 * versions when the CRD's strategy is Webhook: the defs then convert
 * asynchronously (convertMany; their synchronous `convert` throws). Without
 * it: None semantics (apiVersion rewrite). Either way the result gets the
 * target version's pruning and defaults.
 */
export function customResourceDefs(
  crd: CustomResourceDefinition,
  webhook?: BatchConvertFn,
): ResourceDef[] {
  const { group, names, scope } = crd.spec;
  const storageVersion = storageVersionOf(crd) ?? crd.spec.versions[0]?.name ?? "v1";
  const namespaced = scope === "Namespaced";
  const schemas = new Map(crd.spec.versions.map((v) => [v.name, v.schema?.openAPIV3Schema]));
  const normalize = (out: KObject, toApiVersion: string): KObject => {
    out.apiVersion = toApiVersion;
    const version = toApiVersion.slice(toApiVersion.indexOf("/") + 1);
    if (schemas.has(version)) normalizeCustomResource(out, schemas.get(version));
    return out;
  };
  const convert = (obj: KObject, toApiVersion: string): KObject => {
    if (webhook && obj.apiVersion !== toApiVersion) {
      throw new StatusError(
        "InternalError",
        "Internal error occurred: webhook conversion is asynchronous (convertMany)",
      );
    }
    return normalize(structuredClone(obj), toApiVersion);
  };
  const convertMany = webhook
    ? async (objs: KObject[], toApiVersion: string, opts?: { list?: boolean }) =>
        (await webhook(objs, toApiVersion, opts)).map((o) => normalize(o, toApiVersion))
    : undefined;
  const name = crd.metadata?.name ?? `${names.plural}.${group}`;
  return crd.spec.versions
    .filter((v) => v.served)
    .map((v) => {
      const schema = v.schema?.openAPIV3Schema;
      const subs = subresources(crd, v);
      const def: ResourceDef = {
        group,
        version: v.name,
        resource: names.plural,
        singular: names.singular || names.kind.toLowerCase(),
        kind: names.kind,
        namespaced,
        shortNames: names.shortNames?.length ? [...names.shortNames] : undefined,
        categories: names.categories?.length ? [...names.categories] : undefined,
        subresources: subs.length ? subs : undefined,
        storage: { group, resource: `${group}/${names.plural}`, version: storageVersion },
        strategy: customResourceStrategy({
          schema,
          namespaced,
          hasStatus: !!v.subresources?.status,
        }),
        fieldSelectors: fieldSelectors(v),
        hasGeneration: true,
        convert,
        convertMany,
        onRead: (obj) => void normalizeCustomResource(obj, schema),
        scale: v.subresources?.scale ? { ...v.subresources.scale } : undefined,
        deprecationWarning: v.deprecated ? deprecationWarning(crd, v) : undefined,
        printer: customResourcePrinter(v.additionalPrinterColumns),
      };
      owners.set(def, { crd: name, schema });
      return def;
    });
}

/** Copies of custom resource defs serving only `verbs` (a terminating CRD refuses create). */
export function withVerbs(defs: readonly ResourceDef[], verbs: Verb[]): ResourceDef[] {
  return defs.map((d) => {
    const copy = { ...d, verbs: [...verbs] };
    const info = owners.get(d);
    if (info) owners.set(copy, info);
    return copy;
  });
}
