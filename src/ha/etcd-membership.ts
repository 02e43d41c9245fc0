/**
 * etcd cluster membership through the etcd v3 Cluster API (what `etcdctl
 * member list|add|remove` call): a joining server adds its own member before
 * starting it, then starts etcd with --initial-cluster-state=existing and the
 * initial cluster this returns.
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
 * Adds a voting member at peerUrl unless one with that peer URL is already
 * there (a join retried after a crash), and returns the initial cluster.
 */
export async function addMember(client: Etcd3, name: string, peerUrl: string): Promise<string> {
  let members = await listMembers(client);
  if (!members.some((m) => m.peerURLs.includes(peerUrl))) {
    const res = await client.cluster.memberAdd({ peerURLs: [peerUrl] });
    members = (res.members ?? []).map(info);
  }
  return initialClusterFor(members, name, peerUrl);
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
