/**
 * etcd cluster membership through the etcd v3 Cluster API (what `etcdctl
 * member list|add|remove` call): a joining server adds its own member before
 * starting it (as a learner), then starts etcd with
 * --initial-cluster-state=existing and the initial cluster this returns, and
 * promotes it once it has caught up.
 */
import type { Etcd3, IMember } from "etcd3";
import { newEtcdClient } from "../storage/drivers/etcd-client.ts";

export interface EtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface MemberInfo {
  id: string;
  /** Empty for a member added but not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

const info = (m: IMember): MemberInfo => ({
  id: String(m.ID),
  name: m.name,
  peerURLs: m.peerURLs ?? [],
  clientURLs: m.clientURLs ?? [],
  isLearner: Boolean(m.isLearner),
});

/** Runs fn with a client for the endpoints, closing it afterwards. */
export async function withEtcd<T>(
  endpoints: string[],
  tls: EtcdTls,
  fn: (client: Etcd3) => Promise<T>,
  requestTimeoutMs = 10_000,
): Promise<T> {
  const client = await newEtcdClient({ endpoints, ...tls, requestTimeoutMs });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The members of the cluster. */
export async function listMembers(client: Etcd3): Promise<MemberInfo[]> {
  const res = await client.cluster.memberList({});
  return (res.members ?? []).map(info);
}

/**
 * The initial-cluster flag value for a member `name` at `peerUrl` joining
 * `members` (which already include it, possibly unnamed): name=peerURL for
 * every member, unstarted ones other than this member left out as etcd does.
 */
export function initialClusterFor(members: MemberInfo[], name: string, peerUrl: string): string {
  const parts: string[] = [];
  for (const m of members) {
    if (m.peerURLs.includes(peerUrl)) parts.push(`${name}=${peerUrl}`);
    else if (m.name) for (const u of m.peerURLs) parts.push(`${m.name}=${u}`);
  }
  if (!parts.some((p) => p.startsWith(`${name}=`))) parts.push(`${name}=${peerUrl}`);
  return parts.join(",");
}

/**
 * Adds a member at peerUrl unless one with that peer URL is already there
 * (a join retried after a crash); returns its ID and the initial cluster.
 * With `learner` it joins as a raft learner, which does not count toward
 * quorum until promoted (see promoteMember): a member that never comes up
 * cannot cost the cluster its quorum, and can still be removed.
 */
export async function addMember(
  client: Etcd3,
  name: string,
  peerUrl: string,
  opts: { learner?: boolean } = {},
): Promise<{ id: string; initialCluster: string }> {
  let members = await listMembers(client);
  let id = members.find((m) => m.peerURLs.includes(peerUrl))?.id;
  if (id === undefined) {
    const res = await client.cluster.memberAdd({
      peerURLs: [peerUrl],
      isLearner: opts.learner ?? false,
    });
    members = (res.members ?? []).map(info);
    id = String(res.member.ID);
  }
  return { id, initialCluster: initialClusterFor(members, name, peerUrl) };
}

/**
 * addMember through a fresh client per attempt, retried while etcd refuses
 * the change as transient ("unhealthy cluster" until the leader has been
 * connected to every member for a while, "too many learner members" while
 * the previous joiner catches up): servers joining back to back wait for
 * each other. A fresh client each time, because the etcd client's circuit
 * breaker stays open after repeated failures.
 */
export async function addMemberWhenReady(
  endpoints: string[],
  tls: EtcdTls,
  name: string,
  peerUrl: string,
  opts: { learner?: boolean; timeoutMs?: number } = {},
): Promise<{ id: string; initialCluster: string }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    try {
      return await withEtcd(endpoints, tls, (c) => addMember(c, name, peerUrl, opts));
    } catch (err) {
      const transient = /unhealthy cluster|too many learner/i.test((err as Error).message);
      if (!transient || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Promotes a learner to a voting member; etcd refuses until the learner has
 * caught up with the leader, so this retries (every 500 ms, up to
 * timeoutMs). A member that is already a voter is left as it is.
 */
export async function promoteMember(client: Etcd3, id: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const member = (await listMembers(client)).find((m) => m.id === id);
    if (!member) throw new Error(`Cannot promote etcd member ${id}: it is not in the cluster`);
    if (!member.isLearner) return;
    try {
      await client.cluster.memberPromote({ ID: id });
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`Cannot promote etcd member ${id}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Removes the member with this name or peer URL; false when there is none. */
export async function removeMember(client: Etcd3, nameOrUrl: string): Promise<boolean> {
  const m = (await listMembers(client)).find(
    (x) => x.name === nameOrUrl || x.peerURLs.includes(nameOrUrl) || x.id === nameOrUrl,
  );
  if (!m) return false;
  await client.cluster.memberRemove({ ID: m.id });
  return true;
}
