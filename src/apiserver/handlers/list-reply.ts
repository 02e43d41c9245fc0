/**
 * Writing a list answer. Large JSON lists are streamed in chunks of bytes:
 * every item's JSON is encoded once, straight into the chunk's buffer, so
 * the socket writes bytes (no second UTF-8 pass over a string built of
 * pieces, no flattening of such a string to learn its byte length for the
 * chunk framing). A JSON list's items are serialized one by one (see
 * listItemJson: no copy of an item to drop its apiVersion and kind). The
 * bytes are those JSON.stringify of the rendered list gives.
 */
import type { KObject } from "../../api/types.ts";
import type { RequestContext } from "../context.ts";
import type { Negotiated } from "../negotiation.ts";
import { drained, reply, setWarnings } from "./common.ts";

/** Lists (and Tables) with at least this many items (rows) are streamed. */
const STREAMED_LIST_ITEMS = 500;
/** How many bytes of a streamed list are written at once (about). */
const STREAM_CHUNK_BYTES = 1 << 20;
/** Room past STREAM_CHUNK_BYTES in a chunk's buffer, for the piece that fills it. */
const CHUNK_SLACK_BYTES = 256 << 10;
/** Items rendered and serialized together when streaming other forms (one JSON.stringify call). */
const SERIALIZE_BATCH = 64;

/**
 * Sends a list whose items come in batches (see ListPage), rendered by
 * `render` (a list or Table of the given items, with the list's metadata).
 * Lists of STREAMED_LIST_ITEMS or more in JSON are streamed: the head, then
 * the items, written in chunks with backpressure as the batches are
 * produced. No array of every rendered item and no string of the whole list
 * is built (a cluster-wide pod list at scale would be hundreds of MiB, and
 * V8 cannot hold a string past ~512 MiB). Smaller lists and other forms are
 * sent whole, with a length. `render` must render each item independently
 * of the others, and its result for no items must be the list's head.
 * `itemJson`, when given, is the JSON of an item as `render` puts it in a
 * list of the "items" field (not a Table's rows): what JSON.stringify of
 * that rendered item gives, made without rendering it.
 */
export async function replyList(
  ctx: RequestContext,
  batches: Iterable<KObject[]>,
  render: (items: KObject[]) => KObject,
  negotiated: Negotiated,
  itemJson?: (obj: KObject) => string,
): Promise<void> {
  const it = batches[Symbol.iterator]();
  const first: KObject[] = [];
  let next = it.next();
  for (; !next.done && first.length < STREAMED_LIST_ITEMS; next = it.next())
    for (const obj of next.value) first.push(obj);
  const json = negotiated.format === "json" && ctx.req.method !== "HEAD";
  // A list's items, or a Table's rows.
  const head = render([]) as Record<string, unknown>;
  const field = head.kind === "Table" ? "rows" : "items";
  const perItem = field === "items" ? itemJson : undefined;
  if (!json || (next.done && !perItem)) {
    for (; !next.done; next = it.next()) for (const obj of next.value) first.push(obj);
    await reply(ctx, 200, render(first), negotiated);
    return;
  }
  setWarnings(ctx);
  if (ctx.res.headersSent) return;
  const { [field]: _, ...rest } = head;
  const headJson = JSON.stringify(rest);
  const out = new ChunkWriter();
  out.put(`${headJson.slice(0, -1)}${headJson.length > 2 ? "," : ""}"${field}":[`);
  let written = 0;
  const put = (text: string) => {
    if (written++ > 0) out.comma();
    out.put(text);
  };
  if (next.done) {
    // A small list of objects: its bytes, sent with their length.
    for (const obj of first) put(perItem!(obj));
    out.put("]}");
    ctx.res.writeHead(200, {
      "Content-Type": negotiated.contentType,
      "Content-Length": out.size,
      "Cache-Control": "no-cache, private",
    });
    ctx.res.end(out.take());
    return;
  }
  ctx.res.writeHead(200, {
    "Content-Type": negotiated.contentType,
    "Cache-Control": "no-cache, private",
  });
  // A chunk is handed over as soon as it is full (checked per item: never grown by a copy).
  const flush = async (): Promise<boolean> => {
    if (out.size < STREAM_CHUNK_BYTES) return true;
    const flowing = ctx.res.write(out.take());
    if (!flowing) await drained(ctx.res);
    return !ctx.res.destroyed;
  };
  const write = async (items: KObject[]): Promise<boolean> => {
    if (perItem) {
      for (const obj of items) {
        put(perItem(obj));
        if (out.size >= STREAM_CHUNK_BYTES && !(await flush())) return false;
      }
      return true;
    }
    for (let i = 0; i < items.length; i += SERIALIZE_BATCH) {
      const part = items.length <= SERIALIZE_BATCH ? items : items.slice(i, i + SERIALIZE_BATCH);
      const text = JSON.stringify((render(part) as Record<string, unknown>)[field]);
      if (text.length > 2) put(text.slice(1, -1));
      if (!(await flush())) return false;
    }
    return true;
  };
  if (!(await write(first))) return;
  for (; !next.done; next = it.next()) if (!(await write(next.value))) return;
  out.put("]}");
  ctx.res.end(out.take());
}

/**
 * Bytes of a streamed answer: strings are UTF-8 encoded as they are put,
 * into a buffer handed over whole (the socket keeps it until written, so a
 * taken buffer is never written to again).
 */
export class ChunkWriter {
  #buf = Buffer.allocUnsafe(0);
  #at = 0;

  /** Bytes put since the last take. */
  get size(): number {
    return this.#at;
  }

  put(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8; the exact count only when that may not fit.
    if (this.#at + 3 * text.length > this.#buf.length) {
      const bytes = Buffer.byteLength(text);
      if (this.#at + bytes > this.#buf.length) this.#grow(bytes);
    }
    this.#at += this.#buf.write(text, this.#at);
  }

  comma(): void {
    if (this.#at + 1 > this.#buf.length) this.#grow(1);
    this.#buf[this.#at++] = 0x2c;
  }

  /** The bytes put since the last take (a view of a buffer no longer written to). */
  take(): Buffer {
    const bytes = this.#buf.subarray(0, this.#at);
    this.#buf = Buffer.allocUnsafe(0);
    this.#at = 0;
    return bytes;
  }

  /** Room for `more` bytes: a larger buffer holding what was put. */
  #grow(more: number): void {
    const size = Math.max(
      STREAM_CHUNK_BYTES + CHUNK_SLACK_BYTES,
      2 * this.#buf.length,
      this.#at + more,
    );
    const buf = Buffer.allocUnsafe(size);
    this.#buf.copy(buf, 0, 0, this.#at);
    this.#buf = buf;
  }
}
