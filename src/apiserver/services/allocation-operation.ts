/**
 * One write's allocations (see service-allocator.ts): a plan made before
 * validation, reserved just before the store, then committed or reverted.
 */
import { isIP } from "node:net";
import { fieldErrors, invalid, StatusError, type FieldError } from "../../api/status.ts";
import { invalidRendered } from "../../api/validation/field.ts";
import type { AllocateOutcome, RangeAllocator } from "./range-allocator.ts";
import { clusterIPOf, portsOf, shouldAllocateNodePorts, type Spec } from "./service-spec.ts";

/**
 * One write's allocations. Values are planned before validation (requested
 * ones checked, missing ones picked, nothing recorded), reserved right
 * before the store (so invalid writes never touch the allocation maps), and
 * finally committed (releasing what an update dropped) or reverted
 * (releasing what was reserved). Each method is called at most once.
 */
export interface AllocationTxn {
  reserve(): Promise<void>;
  commit(): Promise<void>;
  revert(): Promise<void>;
}

/** The allocator an Operation draws from. */
export interface AllocatorRanges {
  readonly ips: RangeAllocator<string>;
  readonly ports: RangeAllocator<number>;
  release(ips: string[], ports: number[]): Promise<void>;
}

function goStrings(values: unknown): string {
  const list = Array.isArray(values) ? values : [];
  return `[]string{${list.map((v) => JSON.stringify(String(v))).join(", ")}}`;
}

function ipMessage(outcome: AllocateOutcome, ip: string, range: string): string {
  return outcome === "allocated"
    ? "provided IP is already allocated"
    : `the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${range}`;
}

function portMessage(outcome: AllocateOutcome, range: string): string {
  return outcome === "allocated"
    ? "provided port is already allocated"
    : `provided port is not in the valid range. The range of valid ports is ${range}`;
}

export function internalError(message: string): StatusError {
  return new StatusError("InternalError", `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

interface Planned {
  kind: "ips" | "ports";
  value: string | number;
  /** Asked for by the client (a conflict fails the write) or picked by us (re-picked). */
  requested: boolean;
  conflict(outcome: AllocateOutcome): StatusError;
  /** Writes a re-picked value into the object. */
  set(value: string | number): void;
}

/** One write's plan: what it will take, and what it frees on commit. */
export class Operation {
  readonly #planned: Planned[] = [];
  readonly #taken = { ips: [] as string[], ports: [] as number[] };
  readonly freeOnCommit = { ips: [] as string[], ports: [] as number[] };
  readonly #alloc: AllocatorRanges;
  readonly #name: string;
  readonly #dryRun: boolean;

  constructor(alloc: AllocatorRanges, name: string, dryRun: boolean) {
    this.#alloc = alloc;
    this.#name = name;
    this.#dryRun = dryRun;
  }

  #fail(errors: FieldError[]): StatusError {
    return invalid("", "Service", this.#name, errors);
  }

  #plannedValues<T extends string | number>(kind: "ips" | "ports"): T[] {
    return this.#planned.filter((p) => p.kind === kind).map((p) => p.value as T);
  }

  /** Plans the requested IP or a free one; sets clusterIP and clusterIPs. */
  async clusterIP(spec: Spec): Promise<void> {
    const ips = this.#alloc.ips;
    const requested = clusterIPOf(spec);
    if (requested && isIP(requested) === 0) return; // validation rejects it
    const setIP = (ip: string | number) => {
      spec.clusterIP = String(ip);
      spec.clusterIPs = [String(ip)];
    };
    if (!requested) {
      const ip = await ips.allocateNext(true);
      if (ip === undefined) throw internalError("failed to allocate a serviceIP: range is full");
      setIP(ip);
      this.#planned.push({
        kind: "ips",
        value: ip,
        requested: false,
        conflict: () => internalError("failed to allocate a serviceIP: range is full"),
        set: setIP,
      });
      return;
    }
    const rendered = goStrings(spec.clusterIPs ?? [requested]);
    const conflict = (outcome: AllocateOutcome) =>
      this.#fail([
        invalidRendered(
          "spec.clusterIPs",
          rendered,
          `failed to allocate IP ${requested}: ${ipMessage(outcome, requested, ips.range.spec)}`,
        ),
      ]);
    const outcome = await ips.allocate(requested, true);
    if (outcome !== "ok") throw conflict(outcome);
    spec.clusterIP = requested;
    if (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0)
      spec.clusterIPs = [requested];
    this.#planned.push({ kind: "ips", value: requested, requested: true, conflict, set: setIP });
  }

  /** Plans one requested node port; `held` are ports this service owns or already planned. */
  async nodePort(port: number, field: string, held: Set<number>): Promise<void> {
    if (held.has(port)) return;
    const range = this.#alloc.ports.range.spec;
    const conflict = (outcome: AllocateOutcome) =>
      this.#fail([fieldErrors.invalid(field, port, portMessage(outcome, range))]);
    const outcome = await this.#alloc.ports.allocate(port, true);
    if (outcome !== "ok") throw conflict(outcome);
    held.add(port);
    this.#planned.push({ kind: "ports", value: port, requested: true, conflict, set: () => {} });
  }

  /** Plans a free node port; `set` writes a re-picked one into the object. */
  async nextNodePort(what: string, set: (port: number) => void): Promise<number> {
    const exclude = this.#plannedValues<number>("ports");
    const port = await this.#alloc.ports.allocateNext(true, exclude);
    const full = () => internalError(`failed to allocate a ${what}: range is full`);
    if (port === undefined) throw full();
    this.#planned.push({
      kind: "ports",
      value: port,
      requested: false,
      conflict: full,
      set: (v) => set(Number(v)),
    });
    return port;
  }

  /**
   * Node ports of a NodePort/LoadBalancer service (upstream's initNodePorts /
   * updateNodePorts): requested ones are reserved, missing ones allocated,
   * ports sharing a port number (TCP and UDP) share one node port.
   */
  async nodePorts(spec: Spec, owned: number[]): Promise<void> {
    const held = new Set(owned);
    const byServicePort = new Map<number, number>();
    const ports = portsOf(spec);
    for (const [i, p] of ports.entries()) {
      let nodePort = Number(p.nodePort ?? 0) || 0;
      if (nodePort === 0 && !shouldAllocateNodePorts(spec)) continue;
      const field = `spec.ports[${i}].nodePort`;
      const shared = byServicePort.get(Number(p.port));
      if (nodePort === 0 && shared !== undefined) nodePort = shared;
      if (nodePort === 0) {
        const requested = ports.find((q) => q.port === p.port && Number(q.nodePort ?? 0) > 0);
        if (requested) {
          nodePort = Number(requested.nodePort);
          await this.nodePort(nodePort, field, held);
        } else {
          const sharing = ports.filter((q) => q.port === p.port && !(Number(q.nodePort) > 0));
          nodePort = await this.nextNodePort("nodePort", (v) => {
            for (const q of sharing) q.nodePort = v;
          });
          held.add(nodePort);
        }
      } else {
        await this.nodePort(nodePort, field, held);
      }
      p.nodePort = nodePort;
      if (!byServicePort.has(Number(p.port))) byServicePort.set(Number(p.port), nodePort);
    }
  }

  async healthCheckNodePort(spec: Spec): Promise<void> {
    const requested = Number(spec.healthCheckNodePort ?? 0) || 0;
    if (requested === 0) {
      spec.healthCheckNodePort = await this.nextNodePort("HealthCheck NodePort", (v) => {
        spec.healthCheckNodePort = v;
      });
      return;
    }
    const range = this.#alloc.ports.range.spec;
    const conflict = (outcome: AllocateOutcome) =>
      internalError(
        `failed to allocate requested HealthCheck NodePort ${requested}: ${portMessage(outcome, range)}`,
      );
    const outcome = await this.#alloc.ports.allocate(requested, true);
    if (outcome !== "ok") throw conflict(outcome);
    this.#planned.push({
      kind: "ports",
      value: requested,
      requested: true,
      conflict,
      set: () => {},
    });
  }

  /** Takes every planned value; a value taken meanwhile fails (requested) or is re-picked. */
  async #reserve(): Promise<void> {
    for (const p of this.#planned) {
      if (p.kind === "ips") {
        const ips = this.#alloc.ips;
        let ip = String(p.value);
        const outcome = await ips.allocate(ip);
        if (outcome !== "ok") {
          if (p.requested) throw p.conflict(outcome);
          const next = await ips.allocateNext(false);
          if (next === undefined) throw p.conflict(outcome);
          ip = next;
          p.set(ip);
        }
        this.#taken.ips.push(ip);
      } else {
        const ports = this.#alloc.ports;
        let port = Number(p.value);
        const outcome = await ports.allocate(port);
        if (outcome !== "ok") {
          if (p.requested) throw p.conflict(outcome);
          const next = await ports.allocateNext(false, this.#plannedValues<number>("ports"));
          if (next === undefined) throw p.conflict(outcome);
          port = next;
          p.set(port);
        }
        this.#taken.ports.push(port);
      }
    }
  }

  txn(): AllocationTxn {
    let done = false;
    const once = (fn: () => Promise<void>) => async () => {
      if (done || this.#dryRun) return;
      done = true;
      await fn();
    };
    const release = () => this.#alloc.release(this.#taken.ips, this.#taken.ports);
    return {
      reserve: async () => {
        if (this.#dryRun) return;
        try {
          await this.#reserve();
        } catch (err) {
          await release();
          this.#taken.ips.length = 0;
          this.#taken.ports.length = 0;
          throw err;
        }
      },
      commit: once(() => this.#alloc.release(this.freeOnCommit.ips, this.freeOnCommit.ports)),
      revert: once(release),
    };
  }
}
