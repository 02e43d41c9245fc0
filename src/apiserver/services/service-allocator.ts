/**
 * Cluster IP and node port allocation for Services, as upstream's service
 * REST allocators (pkg/registry/core/service/storage/alloc.go): values are
 * chosen before validation (requested ones checked: conflicts are 422 as
 * upstream), taken just before the object is stored, and released again
 * when the write fails; an update frees what it dropped once stored.
 * Dry-run writes check and pick values without recording them.
 */
import type { KObject } from "../../api/types.ts";
import { Operation, type AllocationTxn } from "./allocation-operation.ts";
import type { RangeAllocator } from "./range-allocator.ts";
import {
  clusterIPOf,
  hasClusterIP,
  needsHealthCheck,
  needsNodePorts,
  nodePortsOf,
  portsOf,
  specOf,
  typeOf,
  type Spec,
} from "./service-spec.ts";

export type { AllocationTxn } from "./allocation-operation.ts";

/**
 * Clears fields that belong to the old type when the type changes and the
 * client left them as they were (upstream's dropTypeDependentFields).
 */
export function dropTypeDependentFields(spec: Spec, oldSpec: Spec): void {
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (
    typeOf(oldSpec) !== "ExternalName" &&
    typeOf(spec) === "ExternalName" &&
    same(spec.clusterIPs, oldSpec.clusterIPs)
  ) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    delete spec.ipFamilies;
    delete spec.ipFamilyPolicy;
  }
  if (
    needsNodePorts(oldSpec) &&
    !needsNodePorts(spec) &&
    same(nodePortsOf(spec), nodePortsOf(oldSpec))
  ) {
    for (const p of portsOf(spec)) delete p.nodePort;
  }
  if (
    needsHealthCheck(oldSpec) &&
    !needsHealthCheck(spec) &&
    same(spec.healthCheckNodePort, oldSpec.healthCheckNodePort)
  ) {
    delete spec.healthCheckNodePort;
  }
  if (typeOf(spec) !== "LoadBalancer") {
    delete spec.allocateLoadBalancerNodePorts;
    if (same(spec.loadBalancerClass, oldSpec.loadBalancerClass)) delete spec.loadBalancerClass;
  }
  if (
    needsNodePorts(oldSpec) &&
    !needsNodePorts(spec) &&
    same(spec.externalTrafficPolicy, oldSpec.externalTrafficPolicy)
  ) {
    delete spec.externalTrafficPolicy;
  }
}

/** Allocates and releases service cluster IPs and node ports. */
export class ServiceAllocator {
  readonly ips: RangeAllocator<string>;
  readonly ports: RangeAllocator<number>;

  constructor(ips: RangeAllocator<string>, ports: RangeAllocator<number>) {
    this.ips = ips;
    this.ports = ports;
  }

  /** Plans clusterIP(s), node ports and the health check port of a new service (mutates it). */
  async allocateCreate(svc: KObject, dryRun: boolean): Promise<AllocationTxn> {
    const spec = specOf(svc);
    const op = new Operation(this, svc.metadata?.name ?? "", dryRun);
    if (hasClusterIP(spec)) await op.clusterIP(spec);
    if (needsNodePorts(spec)) await op.nodePorts(spec, []);
    if (needsHealthCheck(spec)) await op.healthCheckNodePort(spec);
    return op.txn();
  }

  /** Adjusts allocations for an update from `old` to `svc` (mutates svc). */
  async allocateUpdate(svc: KObject, old: KObject, dryRun: boolean): Promise<AllocationTxn> {
    const spec = specOf(svc);
    const oldSpec = specOf(structuredClone(old));
    const op = new Operation(this, svc.metadata?.name ?? "", dryRun);
    dropTypeDependentFields(spec, oldSpec);
    const wasExternal = typeOf(oldSpec) === "ExternalName";
    if (wasExternal && hasClusterIP(spec)) await op.clusterIP(spec);
    if (!wasExternal && hasClusterIP(oldSpec) && typeOf(spec) === "ExternalName") {
      op.freeOnCommit.ips.push(clusterIPOf(oldSpec));
    }
    const oldPorts = nodePortsOf(oldSpec);
    if (needsNodePorts(spec)) await op.nodePorts(spec, oldPorts);
    const newPorts = new Set(nodePortsOf(spec));
    op.freeOnCommit.ports.push(...oldPorts.filter((p) => !newPorts.has(p)));
    const hadCheck = needsHealthCheck(oldSpec);
    const hasCheck = needsHealthCheck(spec);
    if (!hadCheck && hasCheck) await op.healthCheckNodePort(spec);
    if (hadCheck && !hasCheck && Number(oldSpec.healthCheckNodePort) > 0) {
      op.freeOnCommit.ports.push(Number(oldSpec.healthCheckNodePort));
    }
    if (hadCheck && hasCheck && !spec.healthCheckNodePort)
      spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
    return op.txn();
  }

  /** Frees everything a deleted service held. */
  async releaseService(svc: KObject): Promise<void> {
    const spec = specOf(structuredClone(svc));
    const ips = hasClusterIP(spec) && clusterIPOf(spec) ? [clusterIPOf(spec)] : [];
    const ports = nodePortsOf(spec);
    if (needsHealthCheck(spec) && Number(spec.healthCheckNodePort) > 0)
      ports.push(Number(spec.healthCheckNodePort));
    await this.release(ips, ports);
  }

  /** Frees cluster IPs and node ports. */
  async release(ips: string[], ports: number[]): Promise<void> {
    if (ips.length > 0) await this.ips.release(ips);
    if (ports.length > 0) await this.ports.release(ports);
  }
}

/** What a service holds: its cluster IP (if any) and every node port (for the repair loop). */
export function serviceHoldings(svc: KObject): { ips: string[]; ports: number[] } {
  const spec = specOf(structuredClone(svc));
  const ip = clusterIPOf(spec);
  const ports = nodePortsOf(spec);
  if (Number(spec.healthCheckNodePort) > 0) ports.push(Number(spec.healthCheckNodePort));
  return { ips: hasClusterIP(spec) && ip ? [ip] : [], ports };
}
