/**
 * pods/log, pods/exec, pods/attach, pods/portforward and nodes/proxy: the
 * API server checks the request against the pod (container name, phase,
 * node) as upstream's pod REST does, then forwards it to the node's
 * kubelet (/containerLogs, /exec, /attach, /portForward, or any path for
 * nodes/proxy).
 */
import type { Container, Pod } from "kubernetes-types/core/v1.d.ts";
import { StatusError, badRequest, notFound } from "../../api/status.ts";
import type { ResourceDef } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import { forwardToKubelet, isUpgrade } from "./forward.ts";
import { locateKubelet } from "./kubelet-client.ts";
import { portForwardPorts, proxyPath, streamOptions } from "./connect-options.ts";

async function loadPod(ctx: RequestContext, def: ResourceDef): Promise<Pod> {
  const { namespace, name } = ctx.info;
  const pod = (await ctx.server.store.tryGet(def, namespace, name)) as Pod | undefined;
  if (!pod) throw notFound("", "pods", name);
  return pod;
}

/**
 * The container a request addresses: the `container` parameter, or the
 * pod's only container; upstream's errors otherwise.
 */
export function resolveContainer(pod: Pod, requested: string | null): string {
  const spec = pod.spec;
  const containers: Container[] = spec?.containers ?? [];
  const inits = spec?.initContainers ?? [];
  const ephemeral = spec?.ephemeralContainers ?? [];
  const name = pod.metadata?.name ?? "";
  if (!requested) {
    if (containers.length === 1) return containers[0].name;
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.map((c) => c.name).join(" ")}]`;
    if (inits.length)
      msg += ` or one of the init containers: [${inits.map((c) => c.name).join(" ")}]`;
    throw badRequest(msg);
  }
  const all = [...containers, ...inits, ...ephemeral].map((c) => c.name);
  if (!all.includes(requested))
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** Upstream's "waiting to start" check before reading a container's current log. */
export function checkLogsAvailable(pod: Pod, container: string, previous: boolean): void {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const st = statuses.find((s) => s.name === container);
  const name = pod.metadata?.name ?? "";
  if (previous) return;
  if (!st) {
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ContainerCreating`,
    );
  }
  if (st.state?.waiting && !st.lastState?.terminated) {
    const reason = st.state.waiting.reason ?? "ContainerCreating";
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
}

function nodeOf(pod: Pod): string {
  const node = pod.spec?.nodeName;
  if (!node) throw badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
  return node;
}

const enc = encodeURIComponent;

/** GET pods/log: streams the container's log from its kubelet. */
export async function handlePodLog(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const pod = await loadPod(ctx, def);
  const q = ctx.query;
  const container = resolveContainer(pod, q.get("container"));
  const previous = q.get("previous") === "true" || q.get("previous") === "1";
  checkLogsAvailable(pod, container, previous);
  const out = new URLSearchParams();
  for (const k of [
    "follow",
    "previous",
    "timestamps",
    "tailLines",
    "limitBytes",
    "sinceSeconds",
    "sinceTime",
  ]) {
    const v = q.get(k);
    if (v !== null && v !== "") out.set(k, v);
  }
  for (const k of ["tailLines", "limitBytes", "sinceSeconds"]) {
    const v = out.get(k);
    if (v !== null && !/^-?\d+$/.test(v)) throw badRequest(`invalid ${k}: ${v}`);
  }
  const loc = await locateKubelet(ctx.server, nodeOf(pod));
  const ns = pod.metadata?.namespace ?? "";
  const query = out.toString();
  await forwardToKubelet(ctx, loc, {
    path: `/containerLogs/${enc(ns)}/${enc(pod.metadata?.name ?? "")}/${enc(container)}${query ? `?${query}` : ""}`,
    statusErrors: true,
  });
}

function requireUpgrade(ctx: RequestContext): void {
  if (!isUpgrade(ctx)) throw badRequest("Upgrade request required");
}

/**
 * pods/exec and pods/attach: an upgraded stream relayed to the kubelet,
 * with the options as CONNECT admission left them.
 */
export async function handlePodExecAttach(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const opts = streamOptions(ctx);
  const pod = await loadPod(ctx, def);
  const container = resolveContainer(pod, opts.container ?? null);
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") {
    throw badRequest(
      `cannot ${ctx.info.subresource} into a container in a completed pod; current phase is ${phase}`,
    );
  }
  requireUpgrade(ctx);
  const out = new URLSearchParams();
  if (ctx.info.subresource === "exec") {
    if (opts.command.length === 0) throw badRequest("you must specify at least 1 command");
    for (const c of opts.command) out.append("command", c);
  }
  if (opts.stdin) out.set("input", "1");
  if (opts.stdout) out.set("output", "1");
  if (opts.stderr) out.set("error", "1");
  if (opts.tty) out.set("tty", "1");
  const loc = await locateKubelet(ctx.server, nodeOf(pod));
  const ns = enc(pod.metadata?.namespace ?? "");
  const name = enc(pod.metadata?.name ?? "");
  await forwardToKubelet(ctx, loc, {
    path: `/${ctx.info.subresource}/${ns}/${name}/${enc(container)}?${out.toString()}`,
  });
}

/** pods/portforward: an upgraded stream relayed to the kubelet (admitted ports). */
export async function handlePodPortForward(ctx: RequestContext, def: ResourceDef): Promise<void> {
  const ports = portForwardPorts(ctx);
  const pod = await loadPod(ctx, def);
  requireUpgrade(ctx);
  const out = new URLSearchParams();
  for (const p of ports) out.append("port", String(p));
  const loc = await locateKubelet(ctx.server, nodeOf(pod));
  const query = out.toString();
  await forwardToKubelet(ctx, loc, {
    path: `/portForward/${enc(pod.metadata?.namespace ?? "")}/${enc(pod.metadata?.name ?? "")}${query ? `?${query}` : ""}`,
  });
}

/** nodes/{name}/proxy/{path}: any request to the node's kubelet (at the admitted path). */
export async function handleNodeProxy(ctx: RequestContext): Promise<void> {
  const loc = await locateKubelet(ctx.server, ctx.info.name);
  const path = proxyPath(ctx);
  const rest = path ? path.split("/").map(enc).join("/") : "";
  const trailing = ctx.url.pathname.endsWith("/") && rest ? "/" : "";
  await forwardToKubelet(ctx, loc, { path: `/${rest}${trailing}${ctx.url.search}` });
}

/** Not served: pods/proxy and services/proxy (for now). */
export function proxyNotServed(): never {
  throw new StatusError("NotFound", "the server could not find the requested resource", {});
}
