/**
 * etcd's gRPC gateway (plain HTTP/JSON on the client URL), for what the apiserver cannot do:
 * compacting history so that old resourceVersions are really gone.
 */

/** etcd's current revision (the newest resourceVersion an apiserver on it can have seen). */
export async function etcdRevision(etcdUrl: string): Promise<string> {
  const res = await fetch(`${etcdUrl}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from('/').toString('base64'), limit: 1 }),
  });
  const body = (await res.json()) as { header?: { revision?: string } };
  const rev = body.header?.revision;
  if (res.status !== 200 || rev === undefined) {
    throw new Error(`etcd range: ${res.status} ${JSON.stringify(body)}`);
  }
  return rev;
}

/** Compacts etcd at its current revision (physically); returns that revision. */
export async function compactEtcd(etcdUrl: string): Promise<string> {
  const revision = await etcdRevision(etcdUrl);
  const res = await fetch(`${etcdUrl}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision, physical: true }),
  });
  if (res.status !== 200) throw new Error(`etcd compaction: ${res.status} ${await res.text()}`);
  return revision;
}
