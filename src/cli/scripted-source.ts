/**
 * A scripted list/watch source for tests of the shared reflector and the
 * sharing client: lists answer the current state (paged), watches receive
 * what the test emits.
 */
import type { KObject } from "../api/types.ts";
import type { ListOptions, ObjectList, ResourceRef, WatchEvent } from "../client/rest-client.ts";
import type { ListWatchSource } from "./shared-reflector.ts";

/** A pod in namespace default with the given resourceVersion. */
export const pod = (name: string, rv: number, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default", resourceVersion: String(rv), ...extra },
});

/** A scripted API: lists answer `state`; watches receive what the test pushes. */
export class ScriptedSource implements ListWatchSource {
  state: KObject[] = [];
  rv = 1;
  lists = 0;
  watches = 0;
  listError?: Error;
  private streams: { push(ev: WatchEvent<KObject>): void; close(): void }[] = [];

  list<T = KObject>(_ref: ResourceRef, _ns?: string, opts: ListOptions = {}) {
    this.lists++;
    if (this.listError) return Promise.reject(this.listError);
    const start = Number(opts.continue ?? 0);
    const end = opts.limit ? start + opts.limit : this.state.length;
    const more = end < this.state.length;
    return Promise.resolve({
      apiVersion: "v1",
      kind: "PodList",
      metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(end) } : {}) },
      items: this.state.slice(start, end),
    } as ObjectList<T>);
  }

  async *watch<T = KObject>(
    _ref: ResourceRef,
    _ns: string | undefined,
    _opts: ListOptions,
    signal?: AbortSignal,
  ): AsyncGenerator<WatchEvent<T>> {
    this.watches++;
    const queue: (WatchEvent<KObject> | "end")[] = [];
    let wake: (() => void) | undefined;
    const stream = {
      push: (ev: WatchEvent<KObject>) => (queue.push(ev), wake?.()),
      close: () => (queue.push("end"), wake?.()),
    };
    this.streams.push(stream);
    signal?.addEventListener("abort", stream.close, { once: true });
    try {
      for (;;) {
        const ev = queue.shift();
        if (ev === "end") return;
        if (ev) yield ev as WatchEvent<T>;
        else await new Promise<void>((r) => (wake = r));
      }
    } finally {
      this.streams = this.streams.filter((s) => s !== stream);
    }
  }

  /** Applies an event to the state and sends it to every open watch. */
  emit(type: "ADDED" | "MODIFIED" | "DELETED", name: string): KObject {
    const obj = pod(name, ++this.rv);
    this.state = this.state.filter((o) => o.metadata?.name !== name);
    if (type !== "DELETED") this.state.push(obj);
    for (const s of this.streams) s.push({ type, object: obj });
    return obj;
  }

  /** Sends a raw event (ERROR, BOOKMARK) to every open watch. */
  send(ev: WatchEvent<KObject>): void {
    for (const s of this.streams) s.push(ev);
  }

  get open(): number {
    return this.streams.length;
  }
}
