/**
 * Static pods from --pod-manifest-path (upstream config/file.go and
 * mirror_client.go): every *.yaml/*.yml/*.json file holds one Pod; it runs
 * as `<name>-<node>` with a uid derived from its content, and the kubelet
 * keeps a mirror pod (annotation kubernetes.io/config.mirror, owned by the
 * Node) in the API so clients see it. The directory is re-read every 20 s.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Pod } from "kubernetes-types/core/v1.d.ts";
import type { KObject } from "../api/types.ts";
import { isAlreadyExists, isNotFound } from "../client/api-error.ts";
import type { Clock, TimerHandle } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import { nodesRef, podsRef } from "../client/resources.ts";
import type { Logger } from "../util/logger.ts";

export const ANNOTATION_CONFIG_SOURCE = "kubernetes.io/config.source";
export const ANNOTATION_CONFIG_HASH = "kubernetes.io/config.hash";
export const ANNOTATION_CONFIG_MIRROR = "kubernetes.io/config.mirror";
export const ANNOTATION_CONFIG_SEEN = "kubernetes.io/config.seen";

export interface StaticPodsOptions {
  client: RestClient;
  clock: Clock;
  log: Logger;
  dir: string;
  nodeName: string;
  onPod(pod: Pod): void;
  onRemove(uid: string): void;
  rescanMs?: number;
}

/** True for a mirror pod (the API copy of a static pod). */
export function isMirrorPod(pod: Pod): boolean {
  return !!pod.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR];
}

/** The static pod a manifest describes on this node. */
export function staticPodFrom(manifest: Pod, text: string, nodeName: string, seen: string): Pod {
  const hash = createHash("md5").update(`${nodeName}\n${text}`).digest("hex");
  const uid = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
  const spec = manifest.spec!;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...manifest.metadata,
      name: `${manifest.metadata?.name}-${nodeName}`,
      namespace: manifest.metadata?.namespace || "default",
      uid,
      annotations: {
        ...(manifest.metadata?.annotations ?? {}),
        [ANNOTATION_CONFIG_SOURCE]: "file",
        [ANNOTATION_CONFIG_HASH]: hash,
        [ANNOTATION_CONFIG_SEEN]: seen,
      },
    },
    spec: {
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      ...spec,
      nodeName,
      tolerations: [...(spec.tolerations ?? []), { operator: "Exists", effect: "NoExecute" }],
    },
    status: { phase: "Pending" },
  };
}

/**
 * The mirror pods whose static pod is gone (same namespace/name), e.g. its
 * manifest removed while the kubelet was down: upstream's HandlePodCleanups
 * deletes them.
 */
export function orphanedMirrorPods(mirrors: Pod[], staticPods: Pod[]): Pod[] {
  const key = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  const present = new Set(staticPods.map(key));
  return mirrors.filter((m) => isMirrorPod(m) && !present.has(key(m)));
}

export class StaticPods {
  private pods = new Map<string, Pod>();
  private timer?: TimerHandle;
  private stopped = false;

  constructor(private readonly o: StaticPodsOptions) {}

  async start(): Promise<void> {
    await this.scan();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** The static pods read from the manifests. */
  list(): Pod[] {
    return [...this.pods.values()];
  }

  /** For a static pod, the identity of its mirror pod (events and status go there). */
  mirrorOf(pod: Pod): Pod | undefined {
    if (pod.metadata?.annotations?.[ANNOTATION_CONFIG_SOURCE] !== "file") return undefined;
    return { ...pod, metadata: { ...pod.metadata, uid: `${pod.metadata.uid}-mirror` } };
  }

  private read(): Map<string, Pod> {
    const out = new Map<string, Pod>();
    let files: string[] = [];
    try {
      files = readdirSync(this.o.dir).filter(
        (f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith("."),
      );
    } catch {
      return out;
    }
    for (const f of files.sort()) {
      try {
        const text = readFileSync(join(this.o.dir, f), "utf8");
        const manifest = parse(text) as Pod;
        if (
          manifest?.kind !== "Pod" ||
          !manifest.metadata?.name ||
          !manifest.spec?.containers?.length
        )
          continue;
        const pod = staticPodFrom(
          manifest,
          text,
          this.o.nodeName,
          new Date(this.o.clock.now()).toISOString(),
        );
        out.set(pod.metadata!.uid!, pod);
      } catch (err) {
        this.o.log.warn("cannot read static pod manifest", { file: f, err });
      }
    }
    return out;
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    const now = this.read();
    for (const [uid, pod] of this.pods) {
      if (now.has(uid)) continue;
      this.o.onRemove(uid);
      await this.deleteMirror(pod);
    }
    for (const [uid, pod] of now) {
      const known = this.pods.get(uid);
      const current = known ?? pod;
      if (!known) this.o.onPod(pod);
      await this.ensureMirror(current).catch((err) =>
        this.o.log.warn("mirror pod sync failed", { pod: pod.metadata?.name, err }),
      );
      now.set(uid, current);
    }
    this.pods = now;
    if (!this.stopped)
      this.timer = this.o.clock.after(this.o.rescanMs ?? 20_000, () => void this.scan());
  }

  private async ensureMirror(pod: Pod): Promise<void> {
    const ns = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const hash = pod.metadata!.annotations![ANNOTATION_CONFIG_HASH];
    try {
      const existing = (await this.o.client.get(podsRef, ns, name)) as Pod;
      if (
        existing.metadata?.annotations?.[ANNOTATION_CONFIG_MIRROR] === hash &&
        !existing.metadata?.deletionTimestamp
      )
        return;
      await this.o.client.delete(podsRef, ns, name, { gracePeriodSeconds: 0 });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const node = await this.o.client.get(nodesRef, undefined, this.o.nodeName);
    const { uid: _uid, ...meta } = pod.metadata!;
    const mirror = {
      ...pod,
      metadata: {
        ...meta,
        annotations: { ...meta.annotations, [ANNOTATION_CONFIG_MIRROR]: hash },
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Node",
            name: this.o.nodeName,
            uid: node.metadata?.uid ?? "",
            controller: true,
          },
        ],
      },
      status: undefined,
    };
    await this.o.client.create(podsRef, ns, mirror as unknown as KObject).catch((err) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }

  private async deleteMirror(pod: Pod): Promise<void> {
    await this.o.client
      .delete(podsRef, pod.metadata!.namespace!, pod.metadata!.name!, { gracePeriodSeconds: 0 })
      .catch(() => {});
  }
}
