/**
 * Turns one configured profile into a Framework: resolves the plugins of each
 * extension point (defaults, then multiPoint, then the point's own
 * enabled/disabled; "*" disables all defaults), instantiates each plugin once
 * with its args, and checks that every plugin implements the points it is
 * enabled for.
 */
import type { Plugin, ScorePlugin } from "../framework/interfaces.ts";
import { Framework, type FrameworkDeps, type ProfilePlugins } from "../framework/framework.ts";
import { defaultPlugins, type Registry } from "../plugins/registry.ts";
import {
  extensionPoints,
  SchedulerConfigError,
  type ExtensionPoint,
  type PluginRef,
  type Profile,
} from "./config.ts";

const methodOf: Record<ExtensionPoint, string> = {
  queueSort: "less",
  preFilter: "preFilter",
  filter: "filter",
  postFilter: "postFilter",
  preScore: "preScore",
  score: "score",
  reserve: "reserve",
  permit: "permit",
  preBind: "preBind",
  bind: "bind",
};

function merge(
  base: PluginRef[],
  set: { enabled?: PluginRef[]; disabled?: PluginRef[] } | undefined,
): PluginRef[] {
  if (!set) return base;
  const disabled = new Set((set.disabled ?? []).map((d) => d.name));
  const kept = disabled.has("*") ? [] : base.filter((p) => !disabled.has(p.name));
  for (const e of set.enabled ?? []) {
    const i = kept.findIndex((p) => p.name === e.name);
    if (i >= 0) kept[i] = { ...kept[i], ...e };
    else kept.push(e);
  }
  return kept;
}

export function buildFramework(
  profile: Profile,
  registry: Registry,
  deps: FrameworkDeps,
  globalPercentage = 0,
): Framework {
  const fw = new Framework(
    profile.schedulerName,
    deps,
    profile.percentageOfNodesToScore ?? globalPercentage,
  );
  const args = new Map((profile.pluginConfig ?? []).map((c) => [c.name, c.args ?? {}]));
  const instances = new Map<string, Plugin>();
  const instance = (name: string): Plugin => {
    let p = instances.get(name);
    if (!p) {
      const factory = registry.get(name);
      if (!factory)
        throw new SchedulerConfigError(
          `Cannot build profile ${profile.schedulerName}: plugin "${name}" does not exist`,
        );
      p = factory(args.get(name) ?? {}, fw);
      instances.set(name, p);
    }
    return p;
  };
  const multi = merge([...defaultPlugins], profile.plugins?.multiPoint);
  const resolved = {} as Record<ExtensionPoint, { plugin: Plugin; weight: number }[]>;
  for (const point of extensionPoints) {
    const fromMulti = multi.filter(
      (ref) =>
        typeof (instance(ref.name) as unknown as Record<string, unknown>)[methodOf[point]] ===
        "function",
    );
    const refs = merge(fromMulti, profile.plugins?.[point]);
    resolved[point] = refs.map((ref) => {
      const plugin = instance(ref.name);
      if (typeof (plugin as unknown as Record<string, unknown>)[methodOf[point]] !== "function")
        throw new SchedulerConfigError(
          `Cannot build profile ${profile.schedulerName}: plugin "${ref.name}" does not extend ${point}`,
        );
      const weight = ref.weight ?? multi.find((m) => m.name === ref.name)?.weight ?? 1;
      return { plugin, weight };
    });
  }
  if (resolved.queueSort.length !== 1)
    throw new SchedulerConfigError(
      `Cannot build profile ${profile.schedulerName}: exactly one queueSort plugin must be enabled`,
    );
  if (resolved.bind.length === 0)
    throw new SchedulerConfigError(
      `Cannot build profile ${profile.schedulerName}: at least one bind plugin is needed`,
    );
  const pick = <T>(point: ExtensionPoint) => resolved[point].map((r) => r.plugin as unknown as T);
  const plugins: ProfilePlugins = {
    queueSort: pick<ProfilePlugins["queueSort"]>("queueSort")[0]!,
    preFilter: pick("preFilter"),
    filter: pick("filter"),
    postFilter: pick("postFilter"),
    preScore: pick("preScore"),
    score: resolved.score.map((r) => ({ plugin: r.plugin as ScorePlugin, weight: r.weight })),
    reserve: pick("reserve"),
    permit: pick("permit"),
    preBind: pick("preBind"),
    bind: pick("bind"),
    all: [...instances.values()],
  };
  fw.plugins = plugins;
  return fw;
}
