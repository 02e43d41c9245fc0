/**
 * Child process of crash.test.ts: writes to a SQLite store with many
 * concurrent writers until killed, printing one line per acknowledged write:
 *   ack <key> <modRevision> <value>
 * Usage: node --import tsx crash-writer.ts <db-path> <writers> <tag>
 * Each writer alternates creating a fresh key and bumping its own counter key.
 */
import { SqliteBackend } from "../drivers/sqlite.ts";

const [path, writersArg, tag] = process.argv.slice(2);
const writers = Number(writersArg);
const backend = new SqliteBackend({ path });
await backend.start();
process.stdout.write(`ready ${await backend.currentRevision()}\n`);

async function writer(id: number): Promise<void> {
  const counterKey = `/crash/${tag}/counter/${id}`;
  let counter = await backend.create(counterKey, "0");
  process.stdout.write(`ack ${counterKey} ${counter.modRevision} 0\n`);
  for (let i = 1; ; i++) {
    const key = `/crash/${tag}/w${id}/${i}`;
    const kv = await backend.create(key, `${i}`);
    process.stdout.write(`ack ${key} ${kv.modRevision} ${i}\n`);
    counter = await backend.update(counterKey, `${i}`, counter.modRevision);
    process.stdout.write(`ack ${counterKey} ${counter.modRevision} ${i}\n`);
  }
}

await Promise.all(Array.from({ length: writers }, (_, id) => writer(id)));
