/**
 * CEL loaded on first need. Loading src/cel (with @bufbuild/cel and its
 * protobuf descriptors) costs ~100-200 ms of CPU, a fifth of the API
 * server's start-up, and most clusters compile no CEL until a policy,
 * webhook matchCondition or CRD rule arrives. So code outside src/cel uses
 * CEL through `cel()`, after `await loadCel()` somewhere up its call chain:
 * the API server awaits it before calling validators of strategies marked
 * `usesCel` (admissionregistration objects, CRDs, custom resources), and
 * admission plugins that evaluate CEL await it themselves. The first such
 * write pays the load once.
 */
type CelModule = typeof import("./index.ts");

let loaded: CelModule | undefined;
let loading: Promise<CelModule> | undefined;

/** Loads CEL (once); resolves when cel() can be called. */
export function loadCel(): Promise<CelModule> {
  loading ??= import("./index.ts").then((m) => (loaded = m));
  return loading;
}

/** The CEL module; throws when loadCel() has not resolved yet (a missing await is a bug). */
export function cel(): CelModule {
  if (!loaded) throw new Error("CEL used before loadCel() resolved");
  return loaded;
}
