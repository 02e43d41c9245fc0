/**
 * The built-in admission plugins k8ts implements, chosen by
 * --enable-admission-plugins / --disable-admission-plugins and merged with
 * plugins built elsewhere (NodeRestriction and k8ts's RBAC/CSR checks from
 * the auth stack, webhooks and policies) into one chain in upstream's order.
 * NamespaceLifecycle is added by the API server itself (always first);
 * disabling it removes it from the bound server's chain. The certificate
 * plugins need the server's authorizer (CertificateApproval/Signing are left
 * out without one). StorageObjectInUseProtection is default-on as upstream:
 * the pvc-protection / pv-protection controllers remove its finalizers.
 */
import { realClock, type Clock } from "../../../client/clock.ts";
import type { Authorizer } from "../../../auth/types.ts";
import type { ServerContext } from "../../context.ts";
import type { AdmissionPlugin } from "../../pipeline.ts";
import { alwaysPullImagesPlugin } from "./always-pull-images.ts";
import {
  certificateApprovalPlugin,
  certificateSigningPlugin,
  certificateSubjectRestrictionPlugin,
} from "./certificates/certificate-plugins.ts";
import { storageObjectInUseProtectionPlugin } from "./storage-object-in-use-protection.ts";
import { defaultIngressClassPlugin } from "./default-ingress-class.ts";
import { defaultStorageClassPlugin } from "./default-storage-class.ts";
import { defaultTolerationSecondsPlugin } from "./default-toleration-seconds.ts";
import { limitRangerPlugin } from "./limit-ranger.ts";
import { enabledPluginNames, orderAdmissionPlugins } from "./plugin-order.ts";
import { eventRateLimitPlugin, eventRateLimits } from "./event-rate-limit.ts";
import { podSecurityPlugin, type PodSecurityConfiguration } from "./podsecurity/pod-security.ts";
import { priorityPlugin } from "./priority.ts";
import { pvcResizePlugin } from "./pvc-resize.ts";
import { resourceQuotaPlugin } from "./quota/resource-quota.ts";
import { runtimeClassPlugin } from "./runtime-class.ts";
import { ServerRef } from "./server-ref.ts";
import { serviceAccountPlugin } from "./service-account.ts";
import { taintNodesByConditionPlugin } from "./taint-nodes-by-condition.ts";

export interface BuiltinAdmissionOptions {
  /** --enable-admission-plugins (added to upstream's defaults). */
  enable?: string[];
  /** --disable-admission-plugins. */
  disable?: string[];
  /** --default-not-ready-toleration-seconds (300). */
  defaultNotReadyTolerationSeconds?: number;
  /** --default-unreachable-toleration-seconds (300). */
  defaultUnreachableTolerationSeconds?: number;
  /** Plugin configurations by name (from --admission-control-config-file). */
  configs?: Map<string, unknown>;
  clock?: Clock;
  random?: () => number;
  /** The server's authorizer (CertificateApproval, CertificateSigning). */
  authorizer?: Authorizer;
}

export interface BuiltinAdmission {
  /** Enabled plugin names (upstream names, including ones k8ts does not implement). */
  enabled: Set<string>;
  /** The ordered chain: enabled built-ins plus the given external plugins. */
  chain(external: AdmissionPlugin[]): AdmissionPlugin[];
  /** Binds the plugins to the running server; call right after it starts. */
  bind(server: ServerContext): void;
}

type Factory = (ref: ServerRef, opts: BuiltinAdmissionOptions) => AdmissionPlugin | undefined;

/** Default-on upstream, but run here only when named in --enable-admission-plugins (none now). */
const EXPLICIT_ONLY = new Set<string>([]);

/** Every built-in plugin k8ts implements, by upstream name. */
export const BUILTIN_PLUGINS: Record<string, Factory> = {
  LimitRanger: (ref) => limitRangerPlugin(ref),
  ServiceAccount: (ref, o) => serviceAccountPlugin(ref, { random: o.random, clock: o.clock }),
  TaintNodesByCondition: () => taintNodesByConditionPlugin(),
  AlwaysPullImages: () => alwaysPullImagesPlugin(),
  PodSecurity: (ref, o) =>
    podSecurityPlugin(ref, (o.configs?.get("PodSecurity") ?? {}) as PodSecurityConfiguration),
  Priority: (ref) => priorityPlugin(ref),
  DefaultTolerationSeconds: (_ref, o) =>
    defaultTolerationSecondsPlugin({
      notReadySeconds: o.defaultNotReadyTolerationSeconds,
      unreachableSeconds: o.defaultUnreachableTolerationSeconds,
    }),
  DefaultStorageClass: (ref) => defaultStorageClassPlugin(ref),
  PersistentVolumeClaimResize: (ref) => pvcResizePlugin(ref),
  RuntimeClass: (ref) => runtimeClassPlugin(ref),
  DefaultIngressClass: (ref) => defaultIngressClassPlugin(ref),
  EventRateLimit: (_ref, o) =>
    eventRateLimitPlugin(eventRateLimits(o.configs?.get("EventRateLimit")), o.clock ?? realClock),
  ResourceQuota: (ref, o) => resourceQuotaPlugin(ref, o.clock ?? realClock),
  StorageObjectInUseProtection: () => storageObjectInUseProtectionPlugin(),
  CertificateApproval: (_ref, o) => o.authorizer && certificateApprovalPlugin(o.authorizer),
  CertificateSigning: (_ref, o) => o.authorizer && certificateSigningPlugin(o.authorizer),
  CertificateSubjectRestriction: () => certificateSubjectRestrictionPlugin(),
};

/** Builds the enabled built-ins; throws on unknown plugin names. */
export function builtinAdmission(opts: BuiltinAdmissionOptions = {}): BuiltinAdmission {
  const enabled = enabledPluginNames(opts.enable ?? [], opts.disable ?? []);
  const explicitlyDisabled = new Set(
    (opts.disable ?? []).filter((n) => !(opts.enable ?? []).includes(n)),
  );
  const ref = new ServerRef();
  const plugins = Object.entries(BUILTIN_PLUGINS)
    .filter(([name]) => enabled.has(name))
    .filter(([name]) => !EXPLICIT_ONLY.has(name) || (opts.enable ?? []).includes(name))
    .flatMap(([, make]) => make(ref, opts) ?? []);
  return {
    enabled,
    chain(external) {
      const kept = external.filter((p) => !explicitlyDisabled.has(p.name));
      return orderAdmissionPlugins([...plugins, ...kept]);
    },
    bind(server) {
      ref.bind(server);
      if (!enabled.has("NamespaceLifecycle")) {
        const chain = server.pipeline.admission;
        for (let i = chain.length - 1; i >= 0; i--)
          if (chain[i].name === "NamespaceLifecycle") chain.splice(i, 1);
      }
    },
  };
}
