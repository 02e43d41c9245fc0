/**
 * kube-apiserver's admission plugin names, their fixed run order
 * (AllOrderedPlugins) and the set that is on unless disabled, as in v1.32.
 * `--enable-admission-plugins` and `--disable-admission-plugins` only choose
 * plugins; the order is always this one.
 */
import type { AdmissionPlugin } from "../../pipeline.ts";

/** Every plugin name upstream knows, in the order plugins run. */
export const ALL_ORDERED_PLUGINS = [
  "AlwaysAdmit",
  "NamespaceAutoProvision",
  "NamespaceLifecycle",
  "NamespaceExists",
  "LimitPodHardAntiAffinityTopology",
  "LimitRanger",
  "ServiceAccount",
  "NodeRestriction",
  "TaintNodesByCondition",
  "AlwaysPullImages",
  "ImagePolicyWebhook",
  "PodSecurity",
  "PodNodeSelector",
  "Priority",
  "DefaultTolerationSeconds",
  "PodTolerationRestriction",
  "EventRateLimit",
  "ExtendedResourceToleration",
  "PersistentVolumeLabel",
  "DefaultStorageClass",
  "StorageObjectInUseProtection",
  "OwnerReferencesPermissionEnforcement",
  "PersistentVolumeClaimResize",
  "RuntimeClass",
  "CertificateApproval",
  "CertificateSigning",
  "ClusterTrustBundleAttest",
  "CertificateSubjectRestriction",
  "DefaultIngressClass",
  "DenyServiceExternalIPs",
  "MutatingAdmissionPolicy",
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionWebhook",
  "ResourceQuota",
  "AlwaysDeny",
] as const;

/** Plugins upstream runs when no flag says otherwise (v1.32). */
export const DEFAULT_ENABLED_PLUGINS: readonly string[] = [
  "NamespaceLifecycle",
  "LimitRanger",
  "ServiceAccount",
  "TaintNodesByCondition",
  "PodSecurity",
  "Priority",
  "DefaultTolerationSeconds",
  "DefaultStorageClass",
  "StorageObjectInUseProtection",
  "PersistentVolumeClaimResize",
  "RuntimeClass",
  "CertificateApproval",
  "CertificateSigning",
  "ClusterTrustBundleAttest",
  "CertificateSubjectRestriction",
  "DefaultIngressClass",
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionWebhook",
  "ResourceQuota",
];

const position = new Map<string, number>(ALL_ORDERED_PLUGINS.map((n, i) => [n, i]));
// Plugins without an upstream name (k8ts's own checks) run just before the
// webhooks, where upstream inserts new plugins.
const unnamedPosition = position.get("MutatingAdmissionPolicy")! - 0.5;

/**
 * The enabled plugin names: the defaults plus `enable`, minus `disable`
 * (a name in both stays enabled, as upstream). Throws on unknown names.
 */
export function enabledPluginNames(enable: string[], disable: string[]): Set<string> {
  for (const [flag, names] of [
    ["enable-admission-plugins", enable],
    ["disable-admission-plugins", disable],
  ] as const) {
    for (const n of names)
      if (!position.has(n)) throw new Error(`${flag} plugin "${n}" is unknown`);
  }
  const enabled = new Set([...DEFAULT_ENABLED_PLUGINS, ...enable]);
  for (const n of disable) if (!enable.includes(n)) enabled.delete(n);
  return enabled;
}

/**
 * Sorts plugins into upstream's order (stable; unnamed ones just before the
 * webhooks). Does not filter: callers decide which plugins to pass.
 */
export function orderAdmissionPlugins(plugins: AdmissionPlugin[]): AdmissionPlugin[] {
  const rank = (p: AdmissionPlugin) => position.get(p.name) ?? unnamedPosition;
  return plugins
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
}
