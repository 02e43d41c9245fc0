/**
 * Starting and stopping one container the way upstream's
 * kuberuntime_container does: image, environment, mounts, create, start,
 * postStart hook (a failed hook kills the container); preStop hook then
 * StopContainer with what is left of the grace period. Failures come back
 * as waiting reasons for the pod status, never as exceptions.
 */
import http from "node:http";
import type { Container, LifecycleHandler, Pod, Service } from "kubernetes-types/core/v1.d.ts";
import type { Clock } from "../../client/clock.ts";
import type { ContainerRuntime, PodSandboxConfig } from "../runtime/runtime.ts";
import type { ImagePuller } from "../images/image-puller.ts";
import {
  containerEnv,
  EnvError,
  expandVars,
  type ObjectSource,
  type PodRuntimeFacts,
} from "./env.ts";
import { containerConfig } from "./runtime-config.ts";
import { serviceEnvVars } from "./service-env.ts";
import { containerMounts, readOnlyVolumes, VolumeError } from "./volumes.ts";
import { resolvePort } from "./probe.ts";
import type { Waiting } from "./pod-status.ts";

export type EventFn = (type: "Normal" | "Warning", reason: string, message: string) => void;

export interface RunnerDeps {
  runtime: ContainerRuntime;
  images: ImagePuller;
  source: ObjectSource;
  clock: Clock;
  memoryCapacity: number;
  /** The services known to the kubelet (all namespaces), for service environment variables. */
  services?(): Service[];
  /** A simulated node: nothing is made on the host (see VolumeContext.hostless). */
  hostless?: boolean;
}

export interface StartRequest {
  pod: Pod;
  container: Container;
  isInit: boolean;
  attempt: number;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  volumes: Map<string, string>;
  facts: PodRuntimeFacts;
  event: EventFn;
  /** Told the container's id once it was started. */
  started?(id: string): void;
}

/** Starts the container; resolves to undefined on success or the waiting reason to show. */
export async function startContainer(
  deps: RunnerDeps,
  req: StartRequest,
): Promise<Waiting | undefined> {
  const { pod, container: c } = req;
  const uid = pod.metadata?.uid ?? "";
  const image = await deps.images.ensure(c, `${uid}/${c.name}`);
  if (!image.ok) {
    req.event(
      image.reason === "ImagePullBackOff" ? "Normal" : "Warning",
      image.reason === "ImagePullBackOff" ? "BackOff" : "Failed",
      image.message,
    );
    if (image.reason !== "ImagePullBackOff")
      req.event("Warning", "Failed", `Error: ${image.reason}`);
    return { reason: image.reason, message: image.message };
  }
  for (const e of image.event) req.event(e.type, e.reason, e.message);
  let config;
  try {
    const serviceEnv = serviceEnvVars(
      deps.services?.() ?? [],
      pod.metadata?.namespace ?? "default",
      pod.spec?.enableServiceLinks ?? true,
    );
    const envs = await containerEnv(pod, c, deps.source, req.facts, serviceEnv);
    const envMap = new Map(envs.map((e) => [e.key, e.value]));
    config = containerConfig(pod, c, req.attempt, {
      image: c.image ?? "",
      command: (c.command ?? []).map((s) => expandVars(s, envMap)),
      args: (c.args ?? []).map((s) => expandVars(s, envMap)),
      envs,
      mounts: containerMounts(c, req.volumes, readOnlyVolumes(pod), deps.hostless),
      memoryCapacity: deps.memoryCapacity,
      isInit: req.isInit,
    });
  } catch (err) {
    if (err instanceof EnvError || err instanceof VolumeError) {
      req.event("Warning", "Failed", `Error: ${err.message}`);
      return { reason: "CreateContainerConfigError", message: err.message };
    }
    throw err;
  }
  let id: string;
  try {
    id = await deps.runtime.createContainer(req.sandboxId, config, req.sandboxConfig);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    req.event("Warning", "Failed", `Error: ${msg}`);
    return { reason: "CreateContainerError", message: msg };
  }
  req.event("Normal", "Created", `Created container ${c.name}`);
  try {
    await deps.runtime.startContainer(id);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    req.event("Warning", "Failed", `Error: ${msg}`);
    return { reason: "RunContainerError", message: msg };
  }
  req.event("Normal", "Started", `Started container ${c.name}`);
  req.started?.(id);
  if (c.lifecycle?.postStart) {
    const res = await runHook(
      deps.runtime,
      c.lifecycle.postStart,
      id,
      c,
      req.facts.podIPs[0] ?? "",
      30,
    );
    if (res) {
      req.event("Warning", "FailedPostStartHook", res);
      await deps.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
      return { reason: "PostStartHookError", message: res };
    }
  }
  return undefined;
}

/** Runs a lifecycle handler; resolves to an error message, or undefined on success. */
export async function runHook(
  runtime: ContainerRuntime,
  h: LifecycleHandler,
  containerId: string,
  c: Container,
  podIP: string,
  timeoutSeconds: number,
): Promise<string | undefined> {
  try {
    if (h.exec) {
      const res = await runtime.execSync(containerId, h.exec.command ?? [], timeoutSeconds);
      if (res.exitCode !== 0) {
        return `Exec lifecycle hook (${(h.exec.command ?? []).join(" ")}) for Container "${c.name}" failed - error: command exited with ${res.exitCode}, message: ${JSON.stringify(Buffer.concat([res.stdout, res.stderr]).toString())}`;
      }
      return undefined;
    }
    if (h.httpGet) {
      const port = resolvePort(h.httpGet.port, c);
      const code = await new Promise<number>((resolve, reject) => {
        const req = http.get(
          {
            host: h.httpGet!.host || podIP,
            port,
            path: h.httpGet!.path || "/",
            timeout: timeoutSeconds * 1000,
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
      });
      return code >= 200 && code < 400
        ? undefined
        : `HTTP lifecycle hook (${h.httpGet.path}) for Container "${c.name}" failed - status ${code}`;
    }
    if (h.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(h.sleep!.seconds, timeoutSeconds) * 1000));
      return undefined;
    }
  } catch (err) {
    return `lifecycle hook for Container "${c.name}" failed - error: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/**
 * Stops a running container: preStop (bounded by the grace period), then
 * StopContainer with the remaining grace (at least 2 s, as upstream).
 */
export async function killContainer(
  deps: { runtime: ContainerRuntime; clock: Clock },
  req: {
    containerId: string;
    container?: Container;
    podIP: string;
    graceSeconds: number;
    reason: string;
    event: EventFn;
  },
): Promise<void> {
  const start = deps.clock.now();
  if (req.container) req.event("Normal", "Killing", req.reason);
  let grace = req.graceSeconds;
  const preStop = req.container?.lifecycle?.preStop;
  if (preStop && grace > 0) {
    const err = await runHook(
      deps.runtime,
      preStop,
      req.containerId,
      req.container!,
      req.podIP,
      grace,
    );
    if (err) req.event("Warning", "FailedPreStopHook", err);
    grace = Math.max(2, grace - Math.ceil((deps.clock.now() - start) / 1000));
  }
  await deps.runtime.stopContainer(req.containerId, grace);
}
