/**
 * The client watches bench:memory keeps open on the server, like the
 * components' informers: each lists (in pages) and then watches from the
 * list's resourceVersion until stopped, re-listing when its watch ends.
 * Events are decoded by the RestClient and only counted.
 */
import { setMaxListeners } from "node:events";
import type { KObject } from "../src/api/types.ts";
import type { ResourceRef, RestClient } from "../src/client/rest-client.ts";

export interface WatchSpec {
  ref: ResourceRef;
  fieldSelector?: string;
}

/** Watches per client: a client's transport has at most 64 connections and a watch holds one. */
const WATCHES_PER_CLIENT = 32;

/** Running watches; `events` counts what they received. */
export class Watchers {
  events = 0;
  readonly #abort = new AbortController();
  readonly #done: Promise<void>[] = [];
  readonly #clients: RestClient[] = [];

  /** newClient makes the clients the watches use (one per WATCHES_PER_CLIENT). */
  constructor(private readonly newClient: () => RestClient) {
    // Every watch listens for the one abort.
    setMaxListeners(0, this.#abort.signal);
  }

  /** Starts one list+watch loop; resolves once its first list is done. */
  async start(spec: WatchSpec): Promise<void> {
    if (this.#done.length % WATCHES_PER_CLIENT === 0) this.#clients.push(this.newClient());
    const client = this.#clients[this.#clients.length - 1]!;
    let rv = await this.#list(client, spec);
    const signal = this.#abort.signal;
    this.#done.push(
      (async () => {
        while (!signal.aborted) {
          try {
            for await (const e of client.watch<KObject>(
              spec.ref,
              undefined,
              {
                resourceVersion: rv,
                fieldSelector: spec.fieldSelector,
                allowWatchBookmarks: true,
                timeoutSeconds: 3600,
              },
              signal,
            )) {
              if (e.type === "ERROR") throw new Error("watch error");
              this.events++;
              rv = e.object.metadata?.resourceVersion ?? rv;
            }
          } catch {
            if (signal.aborted) return;
            rv = await this.#list(client, spec).catch(() => rv);
          }
        }
      })(),
    );
  }

  async #list(client: RestClient, spec: WatchSpec): Promise<string> {
    let cont: string | undefined;
    for (;;) {
      const page = await client.list(spec.ref, undefined, {
        fieldSelector: spec.fieldSelector,
        limit: 500,
        continue: cont,
      });
      cont = page.metadata.continue;
      if (!cont) return page.metadata.resourceVersion ?? "0";
    }
  }

  /** Ends every watch. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#done);
    for (const c of this.#clients) c.close();
  }
}
