/**
 * The node's heartbeat Lease in kube-node-lease (upstream nodelease
 * controller): holderIdentity the node name, leaseDurationSeconds 40,
 * renewTime updated every 10 s, owned by the Node.
 */
import { isAlreadyExists, isNotFound } from "../../client/api-error.ts";
import type { Clock } from "../../client/clock.ts";
import type { RestClient } from "../../client/rest-client.ts";
import { leasesRef, namespacesRef, nodesRef } from "../../client/resources.ts";
import type { KObject } from "../../api/types.ts";

export const LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;
export const LEASE_RENEW_MS = 10_000;

const microTime = (ms: number) => new Date(ms).toISOString().replace("Z", "000Z");

/** Creates or renews the node's lease once. */
export async function renewNodeLease(
  client: RestClient,
  clock: Clock,
  nodeName: string,
): Promise<void> {
  const now = microTime(clock.now());
  let existing: KObject | undefined;
  try {
    existing = await client.get(leasesRef, LEASE_NAMESPACE, nodeName);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (existing) {
    const spec = (existing as { spec?: Record<string, unknown> }).spec ?? {};
    await client.update(leasesRef, {
      ...existing,
      spec: {
        ...spec,
        holderIdentity: nodeName,
        leaseDurationSeconds: LEASE_DURATION_SECONDS,
        renewTime: now,
      },
    } as KObject);
    return;
  }
  let ownerReferences: unknown[] | undefined;
  try {
    const node = await client.get(nodesRef, undefined, nodeName);
    ownerReferences = [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: node.metadata?.uid }];
  } catch {
    ownerReferences = undefined;
  }
  const lease = {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: nodeName, namespace: LEASE_NAMESPACE, ownerReferences },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: now,
    },
  } as KObject;
  try {
    await client.create(leasesRef, LEASE_NAMESPACE, lease);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    // The namespace is missing (a bare API server): create it, then the lease.
    await client
      .create(namespacesRef, undefined, {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: LEASE_NAMESPACE },
      })
      .catch((e) => {
        if (!isAlreadyExists(e)) throw e;
      });
    await client.create(leasesRef, LEASE_NAMESPACE, lease);
  }
}
