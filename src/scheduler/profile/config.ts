/**
 * KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) as read from
 * `--config`: profiles by schedulerName, per-extension-point plugin
 * enable/disable (and multiPoint), score weights, plugin args, and the
 * queue/leader-election settings the scheduler uses. Defaults as upstream.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}

export const extensionPoints = [
  "queueSort",
  "preFilter",
  "filter",
  "postFilter",
  "preScore",
  "score",
  "reserve",
  "permit",
  "preBind",
  "bind",
] as const;

export type ExtensionPoint = (typeof extensionPoints)[number];

export type Plugins = Partial<Record<ExtensionPoint | "multiPoint", PluginSet>>;

export interface Profile {
  schedulerName: string;
  percentageOfNodesToScore?: number;
  plugins?: Plugins;
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
}

export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  percentageOfNodesToScore: number;
  podInitialBackoffSeconds: number;
  podMaxBackoffSeconds: number;
  leaderElection: {
    leaderElect: boolean;
    leaseDuration: string;
    renewDeadline: string;
    retryPeriod: string;
    resourceNamespace: string;
    resourceName: string;
  };
  profiles: Profile[];
}

/** A configuration problem, with upstream-like field paths. */
export class SchedulerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchedulerConfigError";
  }
}

/** Fills upstream defaults into a (partial) configuration and validates it. */
export function defaultConfiguration(
  input: Partial<KubeSchedulerConfiguration> = {},
): KubeSchedulerConfiguration {
  const cfg: KubeSchedulerConfiguration = {
    apiVersion: input.apiVersion ?? "kubescheduler.config.k8s.io/v1",
    kind: input.kind ?? "KubeSchedulerConfiguration",
    percentageOfNodesToScore: input.percentageOfNodesToScore ?? 0,
    podInitialBackoffSeconds: input.podInitialBackoffSeconds ?? 1,
    podMaxBackoffSeconds: input.podMaxBackoffSeconds ?? 10,
    leaderElection: {
      leaderElect: true,
      leaseDuration: "15s",
      renewDeadline: "10s",
      retryPeriod: "2s",
      resourceNamespace: "kube-system",
      resourceName: "kube-scheduler",
      ...(input.leaderElection ?? {}),
    },
    profiles: input.profiles?.length ? input.profiles : [{ schedulerName: "default-scheduler" }],
  };
  if (cfg.apiVersion !== "kubescheduler.config.k8s.io/v1")
    throw new SchedulerConfigError(
      `Cannot load scheduler config: apiVersion ${cfg.apiVersion} is not supported`,
    );
  if (cfg.kind !== "KubeSchedulerConfiguration")
    throw new SchedulerConfigError(
      `Cannot load scheduler config: kind ${cfg.kind} is not KubeSchedulerConfiguration`,
    );
  const pct = cfg.percentageOfNodesToScore;
  if (pct < 0 || pct > 100)
    throw new SchedulerConfigError(
      `percentageOfNodesToScore: Invalid value: ${pct}: not in valid range [0-100]`,
    );
  const names = new Set<string>();
  cfg.profiles.forEach((p, i) => {
    if (!p.schedulerName)
      throw new SchedulerConfigError(`profiles[${i}].schedulerName: Required value`);
    if (names.has(p.schedulerName))
      throw new SchedulerConfigError(
        `profiles[${i}].schedulerName: Duplicate value: "${p.schedulerName}"`,
      );
    names.add(p.schedulerName);
  });
  return cfg;
}

/** Reads and defaults a configuration file (YAML or JSON). */
export function loadConfigFile(path: string): KubeSchedulerConfiguration {
  const raw = parse(readFileSync(path, "utf8")) as Partial<KubeSchedulerConfiguration> | null;
  return defaultConfiguration(raw ?? {});
}
