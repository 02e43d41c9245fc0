/**
 * A node's heartbeat Lease renewed the way upstream's kubelet lease
 * controller does it: the last written Lease is kept and updated in place
 * (one PUT per renewal); it is re-read only after a conflict or when absent,
 * and created (owned by the Node) through the kubelet's renewNodeLease — or,
 * at registration, when the Node's uid is known, by one POST whose answer is
 * kept (instead of four reads and a create per node).
 *
 * The Lease is kept, and PUT, without metadata.managedFields: the server then
 * keeps the stored entries, as upstream's field manager does for a write that
 * sends none, so the stored Lease is the same, while each renewal's body is
 * about half the size and the server need not decode and compare them.
 */
import type { Clock } from "../client/clock.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../client/api-error.ts";
import type { RestClient } from "../client/rest-client.ts";
import { leasesRef } from "../client/resources.ts";
import type { KObject } from "../api/types.ts";
import { withoutManagedFields } from "../api/patch/managed-fields.ts";
import {
  LEASE_DURATION_SECONDS,
  LEASE_NAMESPACE,
  renewNodeLease,
} from "../kubelet/node/node-lease.ts";

const microTime = (ms: number) => new Date(ms).toISOString().replace("Z", "000Z");

export class LeaseRenewer {
  private latest?: KObject;
  /** Renewals written (for tests and the simulator's figures). */
  renewals = 0;

  constructor(
    private readonly client: RestClient,
    private readonly clock: Clock,
    private readonly nodeName: string,
  ) {}

  /**
   * Creates the node's Lease owned by the Node with uid nodeUid (its first
   * renewal); when it exists already (a node adopted), renews it instead.
   */
  async create(nodeUid: string): Promise<void> {
    try {
      const created = await this.client.create(leasesRef, LEASE_NAMESPACE, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: {
          name: this.nodeName,
          namespace: LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: "v1", kind: "Node", name: this.nodeName, uid: nodeUid }],
        },
        spec: this.renewedSpec(),
      } as KObject);
      this.latest = withoutManagedFields(created);
      this.renewals++;
    } catch (err) {
      // Already there: renewed as usual; namespace missing: renewNodeLease makes it.
      if (!isAlreadyExists(err) && !isNotFound(err)) throw err;
      await this.renew();
    }
  }

  /** The spec fields a renewal writes: this node holds the lease, renewed now. */
  private renewedSpec() {
    return {
      holderIdentity: this.nodeName,
      leaseDurationSeconds: LEASE_DURATION_SECONDS,
      renewTime: microTime(this.clock.now()),
    };
  }

  /** Renews the lease once; at most one call at a time per renewer (caller's contract). */
  async renew(): Promise<void> {
    if (!this.latest) {
      try {
        this.latest = withoutManagedFields(
          await this.client.get(leasesRef, LEASE_NAMESPACE, this.nodeName),
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await renewNodeLease(this.client, this.clock, this.nodeName);
        this.latest = withoutManagedFields(
          await this.client.get(leasesRef, LEASE_NAMESPACE, this.nodeName),
        );
        this.renewals++;
        return;
      }
    }
    const cur = this.latest as KObject & { spec?: Record<string, unknown> };
    try {
      this.latest = withoutManagedFields(
        await this.client.update(leasesRef, {
          ...cur,
          spec: { ...cur.spec, ...this.renewedSpec() },
        } as KObject),
      );
      this.renewals++;
    } catch (err) {
      this.latest = undefined;
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
  }
}
