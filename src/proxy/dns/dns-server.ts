/**
 * The cluster DNS server: UDP and TCP (RFC 1035 length-prefixed) on every
 * listen address, answering each query from a DnsResolver. It never sends
 * a packet anywhere but back to the asking client: names outside the
 * cluster domain are REFUSED, not forwarded.
 *
 * UDP answers larger than the client's limit (512 bytes, or its EDNS size)
 * are truncated (TC set, no records) so the client retries over TCP.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv6, type Server as TcpServer, type Socket } from "node:net";
import * as packet from "dns-packet";
import type { Clock, TimerHandle } from "../../client/clock.ts";
import type { DnsMetrics } from "./dns-metrics.ts";
import { RCODE_NUMBER, type DnsResolver, type Rcode } from "./dns-resolver.ts";

export interface ListenAddress {
  host: string;
  /** 0 picks a free port (the same one for UDP and TCP). */
  port: number;
}

export interface DnsServerOptions {
  resolver: DnsResolver;
  metrics?: DnsMetrics;
  /** Label of the `server` metric dimension (CoreDNS: "dns://:53"). */
  serverLabel?: string;
}

const MAX_TCP_MESSAGE = 65535;
const OPCODE_MASK = 0x7800;

/** Serves DNS over UDP and TCP; close() stops every listener and connection. */
export class DnsServer {
  readonly #opts: DnsServerOptions;
  readonly #udp: UdpSocket[] = [];
  readonly #tcp: TcpServer[] = [];
  readonly #conns = new Set<Socket>();
  readonly #timers = new Set<TimerHandle>();
  #closed = false;

  constructor(opts: DnsServerOptions) {
    this.#opts = opts;
  }

  /** Answers one wire-format query; undefined when it cannot even be parsed. */
  handle(query: Buffer, proto: "udp" | "tcp"): Buffer | undefined {
    const started = process.hrtime.bigint();
    let req: packet.DecodedPacket;
    try {
      req = packet.decode(query);
    } catch {
      if (query.length < 12) return undefined;
      return this.#reply(query.readUInt16BE(0), 0, [], "FORMERR", false, proto);
    }
    const id = req.id ?? 0;
    const rd = (req.flags ?? 0) & packet.RECURSION_DESIRED;
    const questions = req.questions ?? [];
    if (req.type === "response") return undefined;
    if (((req.flags ?? 0) & OPCODE_MASK) !== 0)
      return this.#reply(id, rd, questions, "NOTIMP", false, proto);
    if (questions.length !== 1) return this.#reply(id, rd, questions, "FORMERR", false, proto);
    const q = questions[0];
    const zone = this.#opts.resolver.zone;
    this.#opts.metrics?.requests.inc({
      server: this.#opts.serverLabel ?? "dns",
      zone,
      proto,
      family: "1",
      type: q.type,
    });
    const res = this.#opts.resolver.resolve(q.name, q.type);
    const opt = (req.additionals ?? []).find((a) => a.type === "OPT") as
      { udpPayloadSize?: number } | undefined;
    const limit = proto === "udp" ? Math.max(512, opt?.udpPayloadSize ?? 512) : MAX_TCP_MESSAGE;
    const out = this.#reply(id, rd, questions, res.rcode, res.authoritative, proto, {
      answers: res.answers,
      authorities: res.authorities,
      additionals: res.additionals,
      limit,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.#opts.metrics?.duration.observe(
      { server: this.#opts.serverLabel ?? "dns", zone, type: q.type },
      seconds,
    );
    return out;
  }

  #reply(
    id: number,
    rd: number,
    questions: packet.Question[],
    rcode: Rcode,
    authoritative: boolean,
    proto: "udp" | "tcp",
    records: {
      answers?: packet.Answer[];
      authorities?: packet.Answer[];
      additionals?: packet.Answer[];
      limit?: number;
    } = {},
  ): Buffer {
    const flags = rd | (authoritative ? packet.AUTHORITATIVE_ANSWER : 0) | RCODE_NUMBER[rcode];
    const full: packet.Packet = {
      type: "response",
      id,
      flags,
      questions,
      answers: records.answers ?? [],
      authorities: records.authorities ?? [],
      additionals: records.additionals ?? [],
    };
    this.#opts.metrics?.responses.inc({
      server: this.#opts.serverLabel ?? "dns",
      zone: this.#opts.resolver.zone,
      rcode,
    });
    let buf = packet.encode(full);
    if (proto === "udp" && buf.length > (records.limit ?? 512)) {
      buf = packet.encode({
        type: "response",
        id,
        flags: flags | packet.TRUNCATED_RESPONSE,
        questions,
      });
    }
    return buf;
  }

  /**
   * Binds UDP and TCP on the address; resolves with the port bound. With
   * port 0 the UDP port is picked first and TCP takes the same number; when
   * that TCP port is taken (another process's connection or listener), a
   * new pair is tried instead of failing.
   */
  async listen(addr: ListenAddress): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#listenOnce(addr);
      } catch (err) {
        const taken = (err as NodeJS.ErrnoException).code === "EADDRINUSE";
        if (addr.port !== 0 || !taken || attempt >= 20) throw err;
      }
    }
  }

  async #listenOnce(addr: ListenAddress): Promise<number> {
    const udp = createSocket(isIPv6(addr.host) ? "udp6" : "udp4");
    udp.on("message", (msg, rinfo) => {
      const out = this.handle(msg, "udp");
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(addr.port, addr.host, () => {
        udp.off("error", reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = createServer((socket) => this.#serveTcp(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, addr.host, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
    } catch (err) {
      udp.close();
      throw err;
    }
    udp.on("error", () => undefined);
    this.#udp.push(udp);
    this.#tcp.push(tcp);
    return port;
  }

  /**
   * Like listen(), retrying every `retryMs` until the address exists on this
   * host (the pod bridge gateway appears with the node's first pod).
   */
  listenWhenAvailable(addr: ListenAddress, opts: { clock: Clock; retryMs: number }): void {
    const attempt = () => {
      if (this.#closed) return;
      this.listen(addr).catch(() => {
        const t = opts.clock.after(opts.retryMs, () => {
          this.#timers.delete(t);
          attempt();
        });
        this.#timers.add(t);
      });
    };
    attempt();
  }

  #serveTcp(socket: Socket): void {
    this.#conns.add(socket);
    socket.once("close", () => this.#conns.delete(socket));
    socket.on("error", () => undefined);
    socket.setTimeout(10_000, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        const out = this.handle(Buffer.from(msg), "tcp");
        if (!out) {
          socket.destroy();
          return;
        }
        const head = Buffer.alloc(2);
        head.writeUInt16BE(out.length);
        socket.write(Buffer.concat([head, out]));
      }
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) t.cancel();
    for (const s of this.#conns) s.destroy();
    await Promise.all([
      ...this.#udp.map((u) => new Promise<void>((r) => u.close(() => r()))),
      ...this.#tcp.map((t) => new Promise<void>((r) => t.close(() => r()))),
    ]);
  }
}
