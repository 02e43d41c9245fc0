/**
 * ControllerRevisions: the template history StatefulSets and DaemonSets keep
 * (and `kubectl rollout history|undo` read). A revision's data is a strategic
 * merge patch that restores the template, as upstream stores it.
 */
import type { KObject } from "../../api/types.ts";
import { isAlreadyExists } from "../../client/api-error.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { controllerRevisionsRef } from "../../client/resources.ts";
import { newControllerRef } from "./controller-ref.ts";
import { computeHash, storedTemplateKey, templateKey } from "./hash.ts";

export type ControllerRevision = KObject & { data?: unknown; revision?: number };

export const revisionHashLabel = "controller-revision-hash";

/** The patch a revision stores for a template. */
export function revisionData(template: unknown): unknown {
  return { spec: { template: { ...(template as object), $patch: "replace" } } };
}

/** The template a revision restores. */
export function templateOf(rev: ControllerRevision): unknown {
  const t = (rev.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec
    ?.template;
  if (!t) return undefined;
  const { $patch: _patch, ...rest } = t;
  return rest;
}

/**
 * Finds the revision matching owner's current template or creates it with the
 * next revision number; an older revision for the same template is re-numbered
 * as the newest (a rollback). Several revisions can match (one stored before a
 * template default existed, one after): as upstream, the newest of them.
 */
export async function ensureRevision(
  client: RestClient,
  owner: KObject & { spec?: { template?: unknown } },
  kind: string,
  existing: ControllerRevision[],
): Promise<ControllerRevision> {
  const data = revisionData(owner.spec?.template ?? {});
  const wanted = templateKey(owner.spec?.template);
  const max = Math.max(0, ...existing.map((r) => r.revision ?? 0));
  let match: ControllerRevision | undefined;
  for (const r of existing) {
    if ((r.revision ?? 0) <= (match?.revision ?? -1)) continue;
    if (storedTemplateKey(r, templateOf) === wanted) match = r;
  }
  if (match) {
    if ((match.revision ?? 0) === max) return match;
    return client.update<ControllerRevision>(controllerRevisionsRef, {
      ...match,
      revision: max + 1,
    });
  }
  const hash = computeHash(data);
  const name = `${owner.metadata?.name}-${hash}`;
  try {
    return await client.create<ControllerRevision>(
      controllerRevisionsRef,
      owner.metadata?.namespace,
      {
        apiVersion: "apps/v1",
        kind: "ControllerRevision",
        metadata: {
          name,
          namespace: owner.metadata?.namespace,
          labels: {
            ...((owner.spec as { selector?: { matchLabels?: Record<string, string> } })?.selector
              ?.matchLabels ?? {}),
            [revisionHashLabel]: hash,
          },
          ownerReferences: [newControllerRef(owner, "apps/v1", kind)],
        },
        data,
        revision: max + 1,
      },
    );
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return client.get<ControllerRevision>(controllerRevisionsRef, owner.metadata?.namespace, name);
  }
}

/** Deletes the oldest revisions not in use beyond limit. */
export async function trimRevisions(
  client: RestClient,
  revisions: ControllerRevision[],
  inUse: Set<string>,
  limit: number,
): Promise<void> {
  const idle = revisions
    .filter((r) => !inUse.has(r.metadata?.name ?? ""))
    .sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const r of idle.slice(0, Math.max(0, idle.length - limit))) {
    try {
      await client.delete(controllerRevisionsRef, r.metadata?.namespace, r.metadata?.name ?? "");
    } catch {
      // already gone
    }
  }
}
