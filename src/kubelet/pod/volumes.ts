/**
 * Sets up a pod's volumes as host directories under
 * `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<name>` (emptyDir,
 * configMap, secret, downwardAPI, projected) or host paths (hostPath, and
 * persistentVolumeClaim bound to a hostPath or local volume), and
 * turns volumeMounts into CRI mounts. Files are rewritten in place on every
 * set-up (each file replaced by a rename, stale files removed, the
 * directory itself kept so running containers' bind mounts see the new
 * content): updated config maps and secrets reach restarted containers, and
 * refreshTokenVolumes() puts rotated service-account tokens in place.
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";
import type { Container, KeyToPath, Pod, Volume } from "kubernetes-types/core/v1.d.ts";
import type { Mount } from "../runtime/runtime.ts";
import { ClaimError, claimHostPath } from "./claim-volume.ts";
import {
  EnvError,
  fieldPathValue,
  resourceFieldValue,
  type ObjectSource,
  type PodRuntimeFacts,
} from "./env.ts";

/** Issues service-account tokens (TokenRequest) for projected volumes. */
export type TokenSource = (req: {
  namespace: string;
  serviceAccount: string;
  audience?: string;
  expirationSeconds: number;
  pod: Pod;
}) => Promise<string>;

export interface VolumeContext {
  podsDir: string;
  source: ObjectSource;
  facts: PodRuntimeFacts;
  tokens?: TokenSource;
  /** The CA bundle the API server publishes as kube-root-ca.crt (fallback when the config map is absent). */
  rootCA?: string;
  /**
   * Simulated (hollow) nodes: every volume is resolved as usual (objects and
   * tokens read, the same errors) and gets its usual path, but nothing is
   * made, written or mounted on the host.
   */
  hostless?: boolean;
}

/** A volume cannot be set up (upstream FailedMount). */
export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VolumeError";
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, _o, stderr) =>
      err ? reject(new VolumeError(stderr.trim() || err.message)) : resolve(),
    ),
  );
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath ?? (e as { path: string }).path, e.name)));
}

/** Makes dir hold exactly these files, replacing each by a rename (the directory stays). */
function writeFiles(dir: string, files: Map<string, { data: string; mode: number }>): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, f] of files) {
    if (path.split("/").includes("..")) throw new VolumeError(`invalid path ${path}`);
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    const tmp = join(dirname(full), `..tmp.${process.pid}.${Math.random().toString(36).slice(2)}`);
    writeFileSync(tmp, f.data);
    chmodSync(tmp, f.mode);
    renameSync(tmp, full);
  }
  for (const old of listFiles(dir)) if (!files.has(old)) rmSync(join(dir, old), { force: true });
}

function keyFiles(
  data: Record<string, string>,
  items: KeyToPath[] | undefined,
  mode: number,
  what: string,
): Map<string, { data: string; mode: number }> {
  const out = new Map<string, { data: string; mode: number }>();
  if (!items?.length) {
    for (const [k, v] of Object.entries(data)) out.set(k, { data: v, mode });
    return out;
  }
  for (const it of items) {
    if (!(it.key in data))
      throw new VolumeError(`configmap references non-existent config key: ${it.key} (${what})`);
    out.set(it.path, { data: data[it.key], mode: it.mode ?? mode });
  }
  return out;
}

async function projectedFiles(pod: Pod, vol: Volume, ctx: VolumeContext) {
  const ns = pod.metadata?.namespace ?? "default";
  const files = new Map<string, { data: string; mode: number }>();
  const mode = vol.projected?.defaultMode ?? 0o644;
  for (const src of vol.projected?.sources ?? []) {
    if (src.serviceAccountToken) {
      if (!ctx.tokens) throw new VolumeError("no token source for service account tokens");
      const token = await ctx.tokens({
        namespace: ns,
        serviceAccount: pod.spec?.serviceAccountName || "default",
        audience: src.serviceAccountToken.audience,
        expirationSeconds: src.serviceAccountToken.expirationSeconds ?? 3607,
        pod,
      });
      files.set(src.serviceAccountToken.path, { data: token, mode });
    }
    if (src.configMap) {
      let data = await ctx.source.configMap(ns, src.configMap.name ?? "");
      if (!data && src.configMap.name === "kube-root-ca.crt" && ctx.rootCA)
        data = { "ca.crt": ctx.rootCA };
      if (!data && !src.configMap.optional)
        throw new VolumeError(`configmap "${src.configMap.name}" not found`);
      for (const [k, v] of keyFiles(
        data ?? {},
        src.configMap.items,
        mode,
        src.configMap.name ?? "",
      ))
        files.set(k, v);
    }
    if (src.secret) {
      const data = await ctx.source.secret(ns, src.secret.name ?? "");
      if (!data && !src.secret.optional)
        throw new VolumeError(`secret "${src.secret.name}" not found`);
      for (const [k, v] of keyFiles(data ?? {}, src.secret.items, mode, src.secret.name ?? ""))
        files.set(k, v);
    }
    if (src.downwardAPI)
      for (const [k, v] of downwardFiles(pod, src.downwardAPI.items ?? [], mode, ctx))
        files.set(k, v);
  }
  return files;
}

function downwardFiles(
  pod: Pod,
  items: NonNullable<NonNullable<Volume["downwardAPI"]>["items"]>,
  mode: number,
  ctx: VolumeContext,
) {
  const out = new Map<string, { data: string; mode: number }>();
  for (const it of items) {
    let value = "";
    if (it.fieldRef) value = fieldPathValue(pod, it.fieldRef.fieldPath, ctx.facts);
    else if (it.resourceFieldRef) {
      const c =
        pod.spec?.containers.find((x) => x.name === it.resourceFieldRef!.containerName) ??
        pod.spec!.containers[0];
      value = resourceFieldValue(
        c,
        it.resourceFieldRef.resource,
        it.resourceFieldRef.divisor as string | undefined,
        ctx.facts,
      );
    }
    out.set(it.path, { data: value, mode: it.mode ?? mode });
  }
  return out;
}

/** The pod's volume directory. */
export function podVolumesDir(podsDir: string, uid: string): string {
  return join(podsDir, uid, "volumes");
}

/** Sets up every volume of the pod; returns volume name → host path. */
export async function setUpVolumes(pod: Pod, ctx: VolumeContext): Promise<Map<string, string>> {
  const uid = pod.metadata?.uid ?? "";
  const ns = pod.metadata?.namespace ?? "default";
  const base = podVolumesDir(ctx.podsDir, uid);
  const paths = new Map<string, string>();
  try {
    for (const vol of pod.spec?.volumes ?? []) {
      const dir = (plugin: string) => join(base, `kubernetes.io~${plugin}`, vol.name);
      // Files go to the host unless the node is hostless.
      const write = (d: string, files: Map<string, { data: string; mode: number }>) => {
        if (!ctx.hostless) writeFiles(d, files);
      };
      const onHost = (p: string, type: string) => (ctx.hostless ? p : hostPathVolume(p, type));
      if (vol.hostPath) {
        paths.set(vol.name, onHost(vol.hostPath.path, vol.hostPath.type ?? ""));
      } else if (vol.persistentVolumeClaim) {
        const claim = await claimHostPath(ctx.source, ns, vol.persistentVolumeClaim.claimName);
        paths.set(vol.name, onHost(claim.path, claim.type));
      } else if (vol.emptyDir) {
        const d = dir("empty-dir");
        if (ctx.hostless) {
          paths.set(vol.name, d);
          continue;
        }
        const fresh = !existsSync(d);
        mkdirSync(d, { recursive: true, mode: 0o777 });
        if (fresh) chmodSync(d, 0o777);
        if (fresh && vol.emptyDir.medium === "Memory") {
          const size = vol.emptyDir.sizeLimit ? [`-o`, `size=${vol.emptyDir.sizeLimit}`] : [];
          await run("mount", ["-t", "tmpfs", ...size, "tmpfs", d]);
        }
        paths.set(vol.name, d);
      } else if (vol.configMap || vol.secret) {
        const isCM = !!vol.configMap;
        const name = (isCM ? vol.configMap!.name : vol.secret!.secretName) ?? "";
        const data = isCM
          ? await ctx.source.configMap(ns, name)
          : await ctx.source.secret(ns, name);
        const optional = isCM ? vol.configMap!.optional : vol.secret!.optional;
        if (!data && !optional)
          throw new VolumeError(`${isCM ? "configmap" : "secret"} "${name}" not found`);
        const d = dir(isCM ? "configmap" : "secret");
        const mode = (isCM ? vol.configMap!.defaultMode : vol.secret!.defaultMode) ?? 0o644;
        write(d, keyFiles(data ?? {}, isCM ? vol.configMap!.items : vol.secret!.items, mode, name));
        paths.set(vol.name, d);
      } else if (vol.downwardAPI) {
        const d = dir("downward-api");
        write(
          d,
          downwardFiles(
            pod,
            vol.downwardAPI.items ?? [],
            vol.downwardAPI.defaultMode ?? 0o644,
            ctx,
          ),
        );
        paths.set(vol.name, d);
      } else if (vol.projected) {
        const d = dir("projected");
        write(d, await projectedFiles(pod, vol, ctx));
        paths.set(vol.name, d);
      } else {
        throw new VolumeError(`volume ${vol.name}: unsupported volume type`);
      }
    }
  } catch (err) {
    if (err instanceof EnvError || err instanceof ClaimError) throw new VolumeError(err.message);
    throw err;
  }
  return paths;
}

/** A host path checked (or created) as its hostPath type says; returns the path. */
function hostPathVolume(p: string, type: string): string {
  if (type === "DirectoryOrCreate") mkdirSync(p, { recursive: true });
  else if (type === "FileOrCreate" && !existsSync(p)) {
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, "");
  } else if (type && !existsSync(p))
    throw new VolumeError(`hostPath type check failed: ${p} does not exist`);
  return p;
}

/**
 * Rewrites the projected volumes whose service-account token changed (the
 * token source hands out a new one once the old one is due for rotation);
 * resolves to the names of the volumes rewritten. Volumes not yet set up
 * are left alone, and so are a hostless node's (nothing on the host to rewrite).
 */
export async function refreshTokenVolumes(pod: Pod, ctx: VolumeContext): Promise<string[]> {
  if (!ctx.tokens || ctx.hostless) return [];
  const ns = pod.metadata?.namespace ?? "default";
  const base = podVolumesDir(ctx.podsDir, pod.metadata?.uid ?? "");
  const done: string[] = [];
  for (const vol of pod.spec?.volumes ?? []) {
    const sources = (vol.projected?.sources ?? []).filter((s) => s.serviceAccountToken);
    const d = join(base, "kubernetes.io~projected", vol.name);
    if (!sources.length || !existsSync(d)) continue;
    let changed = false;
    for (const src of sources) {
      const t = src.serviceAccountToken!;
      const token = await ctx.tokens({
        namespace: ns,
        serviceAccount: pod.spec?.serviceAccountName || "default",
        audience: t.audience,
        expirationSeconds: t.expirationSeconds ?? 3607,
        pod,
      });
      const file = join(d, t.path);
      if (!existsSync(file) || readFileSync(file, "utf8") !== token) changed = true;
    }
    if (!changed) continue;
    writeFiles(d, await projectedFiles(pod, vol, ctx));
    done.push(vol.name);
  }
  return done;
}

/**
 * Pod volumes mounted read-only whatever the volumeMount says: claims with
 * `persistentVolumeClaim.readOnly` (upstream's mounter takes either flag).
 */
export function readOnlyVolumes(pod: { spec?: { volumes?: unknown[] } }): Set<string> {
  const out = new Set<string>();
  for (const v of (pod.spec?.volumes ?? []) as {
    name?: string;
    persistentVolumeClaim?: { readOnly?: boolean };
  }[]) {
    if (v.name && v.persistentVolumeClaim?.readOnly) out.add(v.name);
  }
  return out;
}

/**
 * CRI mounts for a container's volumeMounts (`readOnly`: volumes always
 * mounted read-only); subPath directories are made unless `hostless`.
 */
export function containerMounts(
  container: Container,
  volumes: Map<string, string>,
  readOnly: ReadonlySet<string> = new Set(),
  hostless = false,
): Mount[] {
  return (container.volumeMounts ?? []).map((vm) => {
    const host = volumes.get(vm.name);
    if (!host) throw new VolumeError(`volume ${vm.name} not found for mount ${vm.mountPath}`);
    let hostPath = host;
    if (vm.subPath) {
      if (vm.subPath.split("/").includes(".."))
        throw new VolumeError(`invalid subPath ${vm.subPath}`);
      hostPath = join(host, vm.subPath);
      if (!hostless && !existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    return {
      containerPath: vm.mountPath,
      hostPath,
      readonly: !!vm.readOnly || readOnly.has(vm.name),
      propagation:
        vm.mountPropagation === "Bidirectional"
          ? "PROPAGATION_BIDIRECTIONAL"
          : vm.mountPropagation === "HostToContainer"
            ? "PROPAGATION_HOST_TO_CONTAINER"
            : "PROPAGATION_PRIVATE",
    };
  });
}

/** Unmounts tmpfs volumes and removes the pod's directory. */
export async function tearDownPodDir(podsDir: string, uid: string): Promise<void> {
  const root = join(podsDir, uid);
  if (!existsSync(root)) return;
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1])
    .filter((m) => m && (m === root || m.startsWith(`${root}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run("umount", ["-l", m]).catch(() => {});
  rmSync(root, { recursive: true, force: true });
}
