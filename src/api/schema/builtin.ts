/**
 * The schema registry of every built-in API type: meta/v1 and runtime, core/v1
 * and the named API groups. Built once per process on first use (a registry,
 * read-only after construction).
 */
import { SchemaRegistry } from "./schema-registry.ts";
import type { SchemaPackage } from "./types.ts";
import { admissionregistrationV1 } from "./defs/admissionregistration-v1.ts";
import { apiregistrationV1 } from "./defs/apiregistration-v1.ts";
import { apiextensionsV1 } from "./defs/apiextensions-v1.ts";
import { appsV1 } from "./defs/apps-v1.ts";
import { authenticationV1 } from "./defs/authentication-v1.ts";
import { authorizationV1 } from "./defs/authorization-v1.ts";
import { autoscalingV1 } from "./defs/autoscaling-v1.ts";
import { autoscalingV2 } from "./defs/autoscaling-v2.ts";
import { batchV1 } from "./defs/batch-v1.ts";
import { certificatesV1 } from "./defs/certificates-v1.ts";
import { coordinationV1 } from "./defs/coordination-v1.ts";
import { coreV1 } from "./defs/core-v1.ts";
import { discoveryV1 } from "./defs/discovery-v1.ts";
import { eventsV1 } from "./defs/events-v1.ts";
import { metaV1, runtimeTypes } from "./defs/meta-v1.ts";
import { networkingV1 } from "./defs/networking-v1.ts";
import { nodeV1 } from "./defs/node-v1.ts";
import { policyV1 } from "./defs/policy-v1.ts";
import { rbacV1 } from "./defs/rbac-v1.ts";
import { schedulingV1 } from "./defs/scheduling-v1.ts";
import { storageV1 } from "./defs/storage-v1.ts";

/** Every built-in schema package, meta/runtime and core first. */
export function builtinPackages(): SchemaPackage[] {
  return [
    metaV1,
    runtimeTypes,
    coreV1,
    appsV1,
    authenticationV1,
    authorizationV1,
    autoscalingV1,
    autoscalingV2,
    batchV1,
    certificatesV1,
    coordinationV1,
    discoveryV1,
    eventsV1,
    networkingV1,
    nodeV1,
    policyV1,
    rbacV1,
    schedulingV1,
    storageV1,
    admissionregistrationV1,
    apiregistrationV1,
    apiextensionsV1,
  ];
}

let registry: SchemaRegistry | undefined;

/** The shared registry of all built-in types (callers must not mutate what it returns). */
export function builtinSchemas(): SchemaRegistry {
  registry ??= new SchemaRegistry(builtinPackages());
  return registry;
}
