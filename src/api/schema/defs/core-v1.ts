/**
 * The io.k8s.api.core.v1 package, assembled from the per-area tables. Types
 * from other groups (apps, batch, ...) refer to these by full name, e.g.
 * "io.k8s.api.core.v1.PodTemplateSpec".
 */
import type { SchemaPackage } from "../types.ts";
import { coreV1ContainerTypes } from "./core-v1-container.ts";
import { coreV1MiscTypes } from "./core-v1-misc.ts";
import { coreV1NodeTypes } from "./core-v1-node.ts";
import { coreV1PodTypes } from "./core-v1-pod.ts";
import { coreV1SchedulingTypes } from "./core-v1-scheduling.ts";
import { coreV1ServiceTypes } from "./core-v1-service.ts";
import { coreV1StorageTypes } from "./core-v1-storage.ts";
import { coreV1VolumeTypes } from "./core-v1-volume.ts";

/** Package name of core/v1. */
export const CORE_V1 = "io.k8s.api.core.v1";

const parts = [
  coreV1PodTypes,
  coreV1ContainerTypes,
  coreV1SchedulingTypes,
  coreV1VolumeTypes,
  coreV1StorageTypes,
  coreV1ServiceTypes,
  coreV1NodeTypes,
  coreV1MiscTypes,
];

function assemble(): SchemaPackage["types"] {
  const types: SchemaPackage["types"] = {};
  for (const part of parts) {
    for (const [name, spec] of Object.entries(part)) {
      if (name in types)
        throw new Error(`Cannot assemble ${CORE_V1}: type ${name} is declared twice`);
      types[name] = spec;
    }
  }
  return types;
}

export const coreV1: SchemaPackage = { name: CORE_V1, types: assemble() };
