/**
 * API server identity (upstream's APIServerIdentity, KEP-1965): every API
 * server keeps a Lease in kube-system named `apiserver-<hash>`, where the
 * hash is the first 16 bytes of SHA-256 over the length-prefixed hostname
 * and "kube-apiserver", base32 without padding, lower case. The Lease is
 * labelled `apiserver.kubernetes.io/identity: kube-apiserver` and
 * `kubernetes.io/hostname: <hostname>`, held by `<id>_<uuid>` (a new holder
 * per process), lasts 3600 s and is renewed every 10 s; leases of servers
 * gone for longer than their duration are deleted (garbage collection, as
 * upstream's every leaseDuration). So `kubectl get lease -n kube-system -l
 * apiserver.kubernetes.io/identity=kube-apiserver` lists the live servers.
 *
 * Servers on one host must each use their own hostname (k8ts: the server's
 * --node-name), as upstream requires; two sharing one take turns holding
 * the same Lease.
 */
import { createHash, randomUUID } from "node:crypto";
import type { KObject } from "../api/types.ts";
import { isNotFound } from "../client/api-error.ts";
import { realClock, type Clock } from "../client/clock.ts";
import type { RestClient } from "../client/rest-client.ts";
import { leasesRef } from "../client/resources.ts";

export const IDENTITY_LABEL = "apiserver.kubernetes.io/identity";
const NAMESPACE = "kube-system";

type Lease = KObject & {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
};

/** RFC 4648 base32 (A–Z, 2–7) without padding, lower case. */
function base32Lower(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** The identity Lease name of the kube-apiserver on `hostname`. */
export function apiServerIdentity(hostname: string): string {
  const field = (s: string) => {
    const data = Buffer.from(s, "utf8");
    const len = Buffer.alloc(2);
    len.writeUInt16BE(data.length);
    return Buffer.concat([len, data]);
  };
  const hash = createHash("sha256")
    .update(Buffer.concat([field(hostname), field("kube-apiserver")]))
    .digest();
  return `apiserver-${base32Lower(hash.subarray(0, 16))}`;
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export interface IdentityLeaseOptions {
  client: RestClient;
  hostname: string;
  clock?: Clock;
  /** Default 10 s. */
  renewIntervalMs?: number;
  /** Default 3600 s. */
  leaseDurationSeconds?: number;
  log?(msg: string): void;
}

/** Keeps this server's identity Lease and collects expired ones (see the module comment). */
export class ApiServerIdentityLease {
  readonly name: string;
  readonly holder: string;
  readonly #opts: IdentityLeaseOptions;
  readonly #clock: Clock;
  #lastCollect = Number.NEGATIVE_INFINITY;

  constructor(opts: IdentityLeaseOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? realClock;
    this.name = apiServerIdentity(opts.hostname);
    this.holder = `${this.name}_${randomUUID()}`;
  }

  /** Renews (or creates) the Lease now; collects expired leases once per lease duration. */
  async renew(): Promise<void> {
    const { client, hostname } = this.#opts;
    const duration = this.#opts.leaseDurationSeconds ?? 3600;
    const now = this.#clock.now();
    const labels = { [IDENTITY_LABEL]: "kube-apiserver", "kubernetes.io/hostname": hostname };
    const spec = {
      holderIdentity: this.holder,
      leaseDurationSeconds: duration,
      renewTime: microTime(now),
    };
    try {
      const cur = await client.get<Lease>(leasesRef, NAMESPACE, this.name);
      await client.update<Lease>(leasesRef, {
        ...cur,
        metadata: { ...cur.metadata, labels: { ...cur.metadata?.labels, ...labels } },
        spec: { ...cur.spec, ...spec },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await client.create<Lease>(leasesRef, NAMESPACE, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: this.name, namespace: NAMESPACE, labels },
        spec,
      });
    }
    if (now - this.#lastCollect >= duration * 1000) {
      this.#lastCollect = now;
      await this.collect();
    }
  }

  /** Deletes other servers' identity leases not renewed within their duration. */
  async collect(): Promise<string[]> {
    const { client } = this.#opts;
    const now = this.#clock.now();
    const list = await client.list<Lease>(leasesRef, NAMESPACE, {
      labelSelector: `${IDENTITY_LABEL}=kube-apiserver`,
    });
    const deleted: string[] = [];
    for (const lease of list.items) {
      const name = lease.metadata?.name ?? "";
      const renewed = Date.parse(lease.spec?.renewTime ?? "");
      const duration = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
      if (name === this.name || !(renewed + duration < now)) continue;
      try {
        await client.delete(leasesRef, NAMESPACE, name);
        deleted.push(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return deleted;
  }

  /** Renews every renewIntervalMs until signal aborts (failures wait for the next turn). */
  run(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: { cancel(): void } | undefined;
      const tick = () => {
        if (signal.aborted) return resolve();
        this.renew()
          .catch((err: unknown) => this.#opts.log?.(`identity lease: ${String(err)}`))
          .finally(() => {
            if (signal.aborted) return resolve();
            timer = this.#clock.after(this.#opts.renewIntervalMs ?? 10_000, tick);
          });
      };
      signal.addEventListener("abort", () => (timer?.cancel(), resolve()), { once: true });
      tick();
    });
  }
}
