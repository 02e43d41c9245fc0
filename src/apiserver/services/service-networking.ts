/**
 * Everything the API server does for Services, installed in one call: the
 * allocation write hook (cluster IPs from --service-cluster-ip-range, node
 * ports from --service-node-port-range, persisted as RangeAllocations), the
 * repair loop (at start and every 3 minutes) and the bootstrap controller
 * keeping `default/kubernetes` (every 10 seconds), plus, when asked, a
 * listener on the advertise address so pods can reach the API server.
 */
import { createServer, type Server as NetServer, type Socket } from "node:net";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { ServerContext } from "../context.ts";
import { AllocationRepair } from "./allocation-repair.ts";
import { serviceAllocationHook } from "./allocation-hook.ts";
import { KubernetesServiceController, type EndpointReconcilerType } from "./kubernetes-service.ts";
import { RangeAllocator, SERVICE_IPS_KEY, SERVICE_NODE_PORTS_KEY } from "./range-allocator.ts";
import { ServiceAllocator } from "./service-allocator.ts";
import {
  clusterIPRange,
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  nodePortRange,
  numberToIpv4,
  parseIPv4CIDR,
} from "./service-ranges.ts";

/** The default gateway of the node pod bridge (first IP of the default podCIDR 10.42.0.0/24). */
export const DEFAULT_POD_GATEWAY = "10.42.0.1";

/** The pod bridge gateway of a node: the first address of its podCIDR (as the CNI bridge plugin picks it). */
export function podGateway(podCIDR: string): string {
  const { network } = parseIPv4CIDR(podCIDR);
  return numberToIpv4(network + 1);
}

export interface ServiceNetworkingOptions {
  /** --service-cluster-ip-range (default 10.43.0.0/16). */
  serviceClusterIPRange?: string;
  /** --service-node-port-range (default 30000-32767). */
  serviceNodePortRange?: string;
  /**
   * --advertise-address: where pods reach this API server, published in the
   * kubernetes Endpoints. Default: the bind address when it is a specific
   * non-loopback address, else the node pod bridge gateway (10.42.0.1).
   */
  advertiseAddress?: string;
  /** Also accept API connections on the advertise address once it exists on this host. */
  listenOnAdvertiseAddress?: boolean;
  /** Keep default/kubernetes (default true). */
  kubernetesService?: boolean;
  /** How the kubernetes endpoints are kept (default "lease", as upstream). */
  endpointReconcilerType?: EndpointReconcilerType;
  /** Random source for dynamic allocation (tests). */
  random?: () => number;
  repairIntervalMs?: number;
  endpointIntervalMs?: number;
  /** How often binding the advertise address is retried until it exists (default 2 s). */
  listenRetryMs?: number;
}

export interface ServiceNetworking {
  allocator: ServiceAllocator;
  repair: AllocationRepair;
  /** First repair and kubernetes service pass; then the periodic loops until the server stops. */
  start(listening: { port: number; bindAddress: string; server: NetServer }): Promise<void>;
}

/** Upstream's `--advertise-address` default, adapted to a loopback-bound server. */
export function defaultAdvertiseAddress(bindAddress: string): string {
  const loopback = bindAddress.startsWith("127.") || bindAddress === "::1";
  const wildcard = bindAddress === "0.0.0.0" || bindAddress === "::" || bindAddress === "";
  return loopback || wildcard || bindAddress.includes(":") ? DEFAULT_POD_GATEWAY : bindAddress;
}

/** Installs the allocation hook into the server's pipeline; start() runs the loops. */
export function installServiceNetworking(
  context: ServerContext,
  opts: ServiceNetworkingOptions = {},
): ServiceNetworking {
  const backend = context.store.backend;
  const ipRange = clusterIPRange(opts.serviceClusterIPRange ?? DEFAULT_SERVICE_CIDR);
  const portRange = nodePortRange(opts.serviceNodePortRange ?? DEFAULT_NODE_PORT_RANGE);
  const allocator = new ServiceAllocator(
    new RangeAllocator(backend, SERVICE_IPS_KEY, ipRange, { random: opts.random }),
    new RangeAllocator(backend, SERVICE_NODE_PORTS_KEY, portRange, { random: opts.random }),
  );
  (context.pipeline.writeHooks ??= []).push(serviceAllocationHook(allocator));
  const servicesDef = context.registry.get("", "v1", "services")!;
  const repair = new AllocationRepair(context.store, servicesDef, allocator);
  const clock = context.clock;
  const signal = context.signal;

  return {
    allocator,
    repair,
    async start({ port, bindAddress, server }) {
      await repair.runOnce();
      every(clock, signal, opts.repairIntervalMs ?? 180_000, () => repair.runOnce());
      const advertise = opts.advertiseAddress ?? defaultAdvertiseAddress(bindAddress);
      if (opts.kubernetesService ?? true) {
        const controller = new KubernetesServiceController(context, {
          serviceIP: ipRange.valueAt(0),
          securePort: port,
          advertiseAddress: advertise,
          reconcilerType: opts.endpointReconcilerType,
        });
        // A failed first pass (e.g. no default namespace yet) is retried by the loop.
        await controller.reconcile().catch(() => undefined);
        every(clock, signal, opts.endpointIntervalMs ?? 10_000, () => controller.reconcile());
      }
      const wildcard = bindAddress === "0.0.0.0" || bindAddress === "::";
      if (opts.listenOnAdvertiseAddress && advertise !== bindAddress && !wildcard) {
        listenWhenAvailable(server, advertise, port, {
          clock,
          signal,
          retryMs: opts.listenRetryMs ?? 2000,
        });
      }
    },
  };
}

/** Runs `fn` every `ms` of `clock` time until `signal` aborts; failures wait for the next turn. */
export function every(
  clock: Clock,
  signal: AbortSignal,
  ms: number,
  fn: () => Promise<void>,
): void {
  let timer: TimerHandle | undefined;
  const schedule = () => {
    if (signal.aborted) return;
    timer = clock.after(ms, () => {
      void fn()
        .catch(() => undefined)
        .finally(schedule);
    });
  };
  signal.addEventListener("abort", () => timer?.cancel(), { once: true });
  schedule();
}

/**
 * Accepts connections on host:port for `server` (the API server's own
 * listener, so TLS and client certificates work unchanged), binding as soon
 * as the address exists on this host (the pod bridge gets its gateway with
 * the first pod) and retrying until then.
 */
export function listenWhenAvailable(
  server: NetServer,
  host: string,
  port: number,
  opts: { clock: Clock; signal: AbortSignal; retryMs: number },
): void {
  const sockets = new Set<Socket>();
  const listener = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    server.emit("connection", socket);
  });
  let timer: TimerHandle | undefined;
  // Each attempt's pair of listeners goes with it (a failed listen leaves its
  // "listening" listener behind otherwise: one more per retry, forever).
  const attempt = () => {
    if (opts.signal.aborted) return;
    const onError = () => {
      listener.off("listening", onListening);
      timer = opts.clock.after(opts.retryMs, attempt);
    };
    const onListening = () => listener.off("error", onError);
    listener.once("error", onError);
    listener.once("listening", onListening);
    listener.listen(port, host);
  };
  opts.signal.addEventListener(
    "abort",
    () => {
      timer?.cancel();
      listener.close();
      for (const s of sockets) s.destroy();
    },
    { once: true },
  );
  attempt();
}
