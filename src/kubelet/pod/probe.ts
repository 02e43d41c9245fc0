/**
 * One probe attempt (exec, httpGet, tcpSocket, grpc) as upstream's prober:
 * exec succeeds on exit 0, httpGet on a status in [200, 400), tcpSocket on
 * an accepted connection, grpc on Health/Check answering SERVING; each is
 * bounded by timeoutSeconds.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { Container, Probe } from "kubernetes-types/core/v1.d.ts";
import type { ContainerRuntime } from "../runtime/runtime.ts";
import { grpcProbe } from "./grpc-probe.ts";

export interface ProbeTarget {
  runtime: ContainerRuntime;
  containerId: string;
  container: Container;
  podIP: string;
}

export interface ProbeResult {
  ok: boolean;
  message: string;
}

/** Resolves a numeric or named container port. */
export function resolvePort(port: number | string | undefined, container: Container): number {
  if (typeof port === "number") return port;
  if (port === undefined) return 0;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  return named?.containerPort ?? 0;
}

function httpProbe(
  probe: NonNullable<Probe["httpGet"]>,
  t: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  const port = resolvePort(probe.port, t.container);
  const secure = probe.scheme === "HTTPS";
  const headers: Record<string, string> = { "User-Agent": "kube-probe/1.32", Accept: "*/*" };
  for (const h of probe.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(
      {
        host: probe.host || t.podIP,
        port,
        path: probe.path || "/",
        method: "GET",
        headers,
        timeout: timeoutMs,
        rejectUnauthorized: false,
        agent: false,
      },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(
          code >= 200 && code < 400
            ? { ok: true, message: "" }
            : { ok: false, message: `HTTP probe failed with statuscode: ${code}` },
        );
      },
    );
    req.on("timeout", () =>
      req.destroy(
        new Error("context deadline exceeded (Client.Timeout exceeded while awaiting headers)"),
      ),
    );
    req.on("error", (err) =>
      resolve({
        ok: false,
        message: `Get "http${secure ? "s" : ""}://${probe.host || t.podIP}:${port}${probe.path || "/"}": ${err.message}`,
      }),
    );
    req.end();
  });
}

function tcpProbe(
  probe: NonNullable<Probe["tcpSocket"]>,
  t: ProbeTarget,
  timeoutMs: number,
): Promise<ProbeResult> {
  const port = resolvePort(probe.port, t.container);
  const host = probe.host || t.podIP;
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: timeoutMs });
    sock.once("connect", () => {
      sock.destroy();
      resolve({ ok: true, message: "" });
    });
    sock.once("timeout", () => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    });
    sock.once("error", (err) =>
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` }),
    );
  });
}

/** Runs the probe once. */
export async function runProbe(probe: Probe, t: ProbeTarget): Promise<ProbeResult> {
  const timeoutSeconds = probe.timeoutSeconds ?? 1;
  try {
    if (probe.exec) {
      const res = await t.runtime.execSync(t.containerId, probe.exec.command ?? [], timeoutSeconds);
      const out = Buffer.concat([res.stdout, res.stderr]).toString();
      return res.exitCode === 0
        ? { ok: true, message: out }
        : { ok: false, message: out || `command exited with ${res.exitCode}` };
    }
    if (probe.httpGet) return await httpProbe(probe.httpGet, t, timeoutSeconds * 1000);
    if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket, t, timeoutSeconds * 1000);
    if (probe.grpc)
      return await grpcProbe(
        t.podIP,
        probe.grpc.port,
        probe.grpc.service ?? "",
        timeoutSeconds * 1000,
      );
    return { ok: false, message: "unsupported probe handler" };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
