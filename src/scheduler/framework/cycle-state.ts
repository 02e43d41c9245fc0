/**
 * Per-scheduling-cycle data shared between a plugin's extension points
 * (e.g. PreFilter computes what Filter reads). Keys are plugin-owned strings;
 * a plugin must only read keys it wrote. Not shared across pods.
 */
import type { FilterPlugin } from "./interfaces.ts";

export class CycleState {
  private data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not run. */
  readonly skipScorePlugins = new Set<string>();
  /**
   * The profile's Filter plugins minus skipFilterPlugins, resolved by the
   * framework on the cycle's first Filter call (not copied by clone()).
   */
  activeFilters: readonly FilterPlugin[] | undefined;

  write<T>(key: string, value: T): void {
    this.data.set(key, value);
  }

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  /** A copy for what-if evaluation (preemption); values must be cloned by their owners if mutated. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const cloneable = v as { clone?: () => unknown };
      c.data.set(k, typeof cloneable?.clone === "function" ? cloneable.clone() : v);
    }
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}
