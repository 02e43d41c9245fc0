/**
 * A ClusterLookup over fixed lists of Services and EndpointSlices (tests and
 * tools that answer from a snapshot instead of informers).
 */
import type { KObject } from "../../api/types.ts";
import {
  serviceInfo,
  sliceEndpoints,
  type ClusterLookup,
  type EndpointInfo,
  type ServiceInfo,
} from "./cluster-lookup.ts";

export class StaticClusterLookup implements ClusterLookup {
  readonly #services: ServiceInfo[];
  readonly #slices: KObject[];

  constructor(services: KObject[], slices: KObject[]) {
    this.#services = services.map(serviceInfo);
    this.#slices = slices;
  }

  service(namespace: string, name: string): ServiceInfo | undefined {
    return this.#services.find((s) => s.namespace === namespace && s.name === name);
  }

  endpoints(namespace: string, service: string): EndpointInfo[] {
    return this.#slices
      .filter(
        (s) =>
          s.metadata?.namespace === namespace &&
          s.metadata?.labels?.["kubernetes.io/service-name"] === service,
      )
      .flatMap(sliceEndpoints);
  }

  hasNamespace(namespace: string): boolean {
    return this.#services.some((s) => s.namespace === namespace);
  }

  servicesByClusterIP(ip: string): ServiceInfo[] {
    return this.#services.filter((s) => s.clusterIPs.includes(ip));
  }

  endpointsByIP(ip: string): { service: ServiceInfo; endpoint: EndpointInfo }[] {
    return this.#services.flatMap((service) =>
      this.endpoints(service.namespace, service.name)
        .filter((endpoint) => endpoint.address === ip)
        .map((endpoint) => ({ service, endpoint })),
    );
  }
}
