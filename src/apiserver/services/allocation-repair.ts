/**
 * The allocation repair loop, as upstream's ipallocator/portallocator
 * repair controllers: values held by stored services are marked used (so a
 * bitmap lost or written by an older range never hands them out twice), and
 * values marked used that no service holds are released once they have been
 * seen leaked on several consecutive passes (a write in flight on another
 * API server holds a value briefly before its service is stored).
 */
import type { ObjectStore } from "../object-store.ts";
import type { ResourceDef } from "../../api/types.ts";
import { serviceHoldings, type ServiceAllocator } from "./service-allocator.ts";

/** Passes a value must be seen leaked before it is released (upstream: 3). */
export const REPAIRS_BEFORE_LEAK_CLEANUP = 3;

/** Keeps the allocation bitmaps consistent with the stored services. */
export class AllocationRepair {
  readonly #store: ObjectStore;
  readonly #def: ResourceDef;
  readonly #alloc: ServiceAllocator;
  readonly #ipLeaks = new Map<string, number>();
  readonly #portLeaks = new Map<number, number>();

  constructor(store: ObjectStore, servicesDef: ResourceDef, alloc: ServiceAllocator) {
    this.#store = store;
    this.#def = servicesDef;
    this.#alloc = alloc;
  }

  /** One pass: every service's values marked used, old leaks released. */
  async runOnce(): Promise<void> {
    const ips = new Set<string>();
    const ports = new Set<number>();
    let after: string | undefined;
    let revision: number | undefined;
    for (;;) {
      const page = await this.#store.list(this.#def, undefined, { limit: 500, after, revision });
      revision = page.revision;
      for (const { obj } of page.items) {
        const held = serviceHoldings(obj);
        held.ips.forEach((ip) => ips.add(ip));
        held.ports.forEach((p) => ports.add(p));
      }
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
    await this.#alloc.ips.update((used) => reconcile(used, ips, this.#ipLeaks));
    await this.#alloc.ports.update((used) => reconcile(used, ports, this.#portLeaks));
  }
}

/** The new used set: held values added, leaks counted and dropped when old enough. */
function reconcile<T>(used: Set<T>, held: Set<T>, leaks: Map<T, number>): Set<T> {
  const next = new Set(used);
  for (const v of held) next.add(v);
  for (const v of [...leaks.keys()]) if (!used.has(v) || held.has(v)) leaks.delete(v);
  for (const v of used) {
    if (held.has(v)) continue;
    const seen = (leaks.get(v) ?? 0) + 1;
    if (seen >= REPAIRS_BEFORE_LEAK_CLEANUP) {
      next.delete(v);
      leaks.delete(v);
    } else leaks.set(v, seen);
  }
  return next;
}
