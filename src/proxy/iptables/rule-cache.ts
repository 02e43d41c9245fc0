/**
 * The rules of every service port as the last build wrote them, kept by one
 * proxier between syncs: a partial sync renders only the changed services,
 * diffs their top-level rules against these, and deletes the chains they
 * no longer use. Also keeps running totals, so a partial sync never walks
 * every service. The contents describe the kernel only while the restores
 * of the builds that filled it succeeded: after a failed restore the owner
 * must do a full build (which refills it from scratch).
 */
import type { RuleBlock } from "./service-port-rules.ts";

export class RuleCache {
  /** Service (`ns/name`) -> service port id (`name/protocol`) -> block. */
  private readonly services = new Map<string, ReadonlyMap<string, RuleBlock>>();
  private ports = 0;
  /** Rules of all blocks in the nat top-level chains, the filter table, and their own chains. */
  natTopRules = 0;
  filterRules = 0;
  chainRules = 0;
  /** Every chain some block owns (the per-service chains the kernel holds). */
  readonly chains = new Set<string>();

  /** The service's blocks by service port id (empty when unknown). */
  get(service: string): ReadonlyMap<string, RuleBlock> {
    return this.services.get(service) ?? new Map();
  }

  /** Replaces a service's blocks (none: forget it), keeping the totals. */
  set(service: string, blocks: ReadonlyMap<string, RuleBlock>): void {
    this.count(this.get(service), -1);
    if (blocks.size > 0) this.services.set(service, blocks);
    else this.services.delete(service);
    this.count(blocks, 1);
  }

  /** Number of service ports held. */
  get size(): number {
    return this.ports;
  }

  clear(): void {
    this.services.clear();
    this.chains.clear();
    this.ports = this.natTopRules = this.filterRules = this.chainRules = 0;
  }

  private count(blocks: ReadonlyMap<string, RuleBlock>, sign: 1 | -1): void {
    for (const b of blocks.values()) {
      this.ports += sign;
      this.natTopRules += sign * b.nat.length;
      this.filterRules += sign * b.filter.length;
      this.chainRules += sign * b.chainRules;
      for (const c of b.chains) {
        if (sign > 0) this.chains.add(c);
        else this.chains.delete(c);
      }
    }
  }
}
