/** Building pods from an owner's pod template. */
import type { KObject, OwnerReference } from "../../api/types.ts";
import type { Pod } from "./pods.ts";

interface Template {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec?: Record<string, unknown>;
}

/** A new pod (generateName "<owner>-") from owner.spec.template, owned by ref. */
export function podFromTemplate(
  owner: KObject & { spec?: { template?: Template } },
  ref: OwnerReference,
  extra: { generateName?: string; labels?: Record<string, string> } = {},
): Pod {
  const template = owner.spec?.template ?? {};
  const meta = template.metadata ?? {};
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: extra.generateName ?? `${owner.metadata?.name}-`,
      namespace: owner.metadata?.namespace,
      labels: { ...(meta.labels ?? {}), ...(extra.labels ?? {}) },
      annotations: meta.annotations ? { ...meta.annotations } : undefined,
      finalizers: meta.finalizers ? [...meta.finalizers] : undefined,
      ownerReferences: [ref],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}
