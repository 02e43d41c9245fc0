/**
 * kube-apiserver's admission flags: --enable-admission-plugins,
 * --disable-admission-plugins, --admission-control-config-file and the
 * DefaultTolerationSeconds values.
 */
import type { Command } from "commander";
import { readAdmissionConfig } from "./admission-config.ts";
import type { BuiltinAdmissionOptions } from "./builtin-admission.ts";
import { commaList } from "../../../util/comma-list.ts";

export interface AdmissionFlags {
  enableAdmissionPlugins?: string[];
  disableAdmissionPlugins?: string[];
  defaultNotReadyTolerationSeconds?: string;
  defaultUnreachableTolerationSeconds?: string;
  admissionControlConfigFile?: string;
}

const list = commaList;

/** Adds the flags to a command (returns it, for chaining). */
export function addAdmissionFlags(cmd: Command): Command {
  return cmd
    .option(
      "--enable-admission-plugins <names>",
      "admission plugins to enable in addition to the default ones (order is fixed)",
      list,
    )
    .option("--disable-admission-plugins <names>", "admission plugins to disable", list)
    .option(
      "--admission-control-config-file <file>",
      "AdmissionConfiguration with plugin configurations (PodSecurity, EventRateLimit)",
    )
    .option(
      "--default-not-ready-toleration-seconds <seconds>",
      "tolerationSeconds of the not-ready:NoExecute toleration added to pods",
      "300",
    )
    .option(
      "--default-unreachable-toleration-seconds <seconds>",
      "tolerationSeconds of the unreachable:NoExecute toleration added to pods",
      "300",
    );
}

function seconds(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${flag} "${v}"`);
  return n;
}

/** Options for builtinAdmission() from parsed flags. */
export function admissionOptionsFromFlags(flags: AdmissionFlags): BuiltinAdmissionOptions {
  return {
    enable: flags.enableAdmissionPlugins ?? [],
    disable: flags.disableAdmissionPlugins ?? [],
    configs: flags.admissionControlConfigFile
      ? readAdmissionConfig(flags.admissionControlConfigFile)
      : undefined,
    defaultNotReadyTolerationSeconds: seconds(
      "default-not-ready-toleration-seconds",
      flags.defaultNotReadyTolerationSeconds,
    ),
    defaultUnreachableTolerationSeconds: seconds(
      "default-unreachable-toleration-seconds",
      flags.defaultUnreachableTolerationSeconds,
    ),
  };
}
