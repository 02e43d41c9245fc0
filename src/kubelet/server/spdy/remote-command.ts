/**
 * A Kubernetes remote-command client over SPDY/3.1 (protocol
 * v4.channel.k8s.io), as kubectl's SPDY executor speaks it: an HTTP
 * upgrade to the runtime's streaming URL, then one stream per channel,
 * created by the client with header `streamtype` (error first, then stdin,
 * stdout, stderr, resize). Unlike WebSocket v4, SPDY lets the client end
 * stdin on its own (FIN on the stdin stream), which `kubectl exec -i`
 * needs. The session ends when the server closes the connection, after
 * writing the exit Status on the error stream.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import {
  dataFrame,
  FLAG_FIN,
  FrameReader,
  goAwayFrame,
  HeaderCompressor,
  pingFrame,
  synStreamFrame,
  type Frame,
} from "./spdy-frames.ts";

/** Remote-command versions over SPDY, most preferred first (containerd 1.6 serves up to v4). */
export const SPDY_CHANNEL_PROTOCOLS = [
  "v4.channel.k8s.io",
  "v3.channel.k8s.io",
  "v2.channel.k8s.io",
  "channel.k8s.io",
];

export type StreamType = "error" | "stdin" | "stdout" | "stderr" | "resize";

export interface RemoteCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface RemoteCommandHandlers {
  /** Output of the stdout/stderr/error streams, in arrival order. */
  onData(stream: "stdout" | "stderr" | "error", data: Buffer): void;
}

export interface RemoteCommandSession {
  writeStdin(data: Buffer): void;
  /** Half-closes stdin (the process reads EOF). */
  closeStdin(): void;
  /** Sends a terminal size (JSON `{"Width":w,"Height":h}`) on the resize stream. */
  resize(json: Buffer): void;
  /** Resolves when the connection closed. */
  done: Promise<void>;
  close(): void;
}

/** The streams a request opens, in the order the client creates them. */
export function streamsFor(o: RemoteCommandOptions): StreamType[] {
  const s: StreamType[] = ["error"];
  if (o.stdin) s.push("stdin");
  if (o.stdout) s.push("stdout");
  if (o.stderr && !o.tty) s.push("stderr");
  if (o.tty) s.push("resize");
  return s;
}

/**
 * Opens a SPDY/3.1 upgrade to a runtime streaming URL offering `protocols`
 * (one X-Stream-Protocol-Version header each, as the runtime's handshake
 * reads them); resolves to the raw socket and the version it chose.
 */
export function dialRuntimeSpdy(
  url: string,
  protocols: string[],
): Promise<{ socket: Duplex; head: Buffer; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: "POST",
      headers: {
        Connection: "Upgrade",
        Upgrade: "SPDY/3.1",
        "X-Stream-Protocol-Version": protocols,
      },
    });
    req.once("upgrade", (res, socket, head) => {
      const chosen = res.headers["x-stream-protocol-version"];
      resolve({ socket, head, protocol: Array.isArray(chosen) ? chosen[0] : chosen });
    });
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        reject(
          new Error(
            `runtime streaming server answered ${res.statusCode}: ${Buffer.concat(chunks).toString().trim()}`,
          ),
        ),
      );
    });
    req.once("error", reject);
    req.end();
  });
}

/** Dials the runtime's exec/attach URL and opens the streams. */
export async function dialRemoteCommand(
  url: string,
  opts: RemoteCommandOptions,
  handlers: RemoteCommandHandlers,
): Promise<RemoteCommandSession> {
  const { socket, head } = await dialRuntimeSpdy(url, ["v4.channel.k8s.io"]);
  const compressor = new HeaderCompressor();
  const reader = new FrameReader();
  const ids = new Map<StreamType, number>();
  const types = new Map<number, StreamType>();
  let nextId = 1;
  for (const t of streamsFor(opts)) {
    ids.set(t, nextId);
    types.set(nextId, t);
    socket.write(synStreamFrame(compressor, nextId, { streamtype: t }));
    nextId += 2;
  }
  const onFrame = (f: Frame) => {
    if (f.kind === "data") {
      const t = types.get(f.streamId);
      if ((t === "stdout" || t === "stderr" || t === "error") && f.data.length)
        handlers.onData(t, f.data);
    } else if (f.kind === "ping") {
      socket.write(pingFrame(f.id));
    }
  };
  const onBytes = (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) onFrame(f);
  };
  socket.on("data", onBytes);
  if (head.length) onBytes(head);
  const done = new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.once("error", () => resolve());
  });
  let stdinClosed = false;
  const send = (t: StreamType, data: Buffer, flags = 0) => {
    const id = ids.get(t);
    if (id !== undefined && !socket.destroyed) socket.write(dataFrame(id, data, flags));
  };
  return {
    writeStdin(data) {
      if (!stdinClosed) send("stdin", data);
    },
    closeStdin() {
      if (stdinClosed) return;
      stdinClosed = true;
      send("stdin", Buffer.alloc(0), FLAG_FIN);
    },
    resize(json) {
      send("resize", json);
    },
    done,
    close() {
      if (!socket.destroyed) socket.end(goAwayFrame(nextId - 2));
      socket.destroy();
    },
  };
}
