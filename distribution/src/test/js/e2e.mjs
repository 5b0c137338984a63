// Drives a Quiver node with the official Qdrant JS REST client: node e2e.mjs <url> <api-key>
import { QdrantClient } from '@qdrant/js-client-rest';
import assert from 'node:assert/strict';

const [url, apiKey] = process.argv.slice(2);
const client = new QdrantClient({ url, apiKey });
const name = 'js_e2e';

assert.equal((await client.collectionExists(name)).exists, false);
assert.equal(await client.createCollection(name, { vectors: { size: 4, distance: 'Dot' } }), true);
assert.ok((await client.getCollections()).collections.some((c) => c.name === name));

const uuid = '550e8400-e29b-41d4-a716-446655440000';
const upserted = await client.upsert(name, {
  wait: true,
  points: [
    { id: 1, vector: [1, 0, 0, 0], payload: { city: 'Berlin', n: 1 } },
    { id: 2, vector: [0, 1, 0, 0], payload: { city: 'London', n: 2 } },
    { id: uuid, vector: [0, 0, 1, 0], payload: { city: 'Paris', n: 3 } },
  ],
});
assert.equal(upserted.status, 'completed');

const queried = await client.query(name, { query: [1, 0.1, 0, 0], limit: 2, with_payload: true });
assert.equal(queried.points[0].id, 1);
assert.equal(queried.points[0].payload.city, 'Berlin');

const searched = await client.search(name, {
  vector: [1, 0, 0, 0],
  limit: 3,
  filter: { must: [{ key: 'city', match: { value: 'London' } }] },
});
assert.deepEqual(searched.map((p) => p.id), [2]);

const scrolled = await client.scroll(name, { limit: 2, with_payload: false });
assert.equal(scrolled.points.length, 2);
assert.notEqual(scrolled.next_page_offset, null);

assert.equal((await client.count(name, { exact: true })).count, 3);
const retrieved = await client.retrieve(name, { ids: [uuid], with_payload: true });
assert.equal(retrieved[0].payload.city, 'Paris');

await client.setPayload(name, { payload: { tag: 'x' }, points: [1], wait: true });
assert.equal((await client.retrieve(name, { ids: [1] }))[0].payload.tag, 'x');
await client.delete(name, { points: [2], wait: true });
assert.equal((await client.count(name, { exact: true })).count, 2);
assert.equal((await client.getCollection(name)).points_count, 2);

const snapshot = await client.createSnapshot(name);
assert.ok(snapshot.name.endsWith('.snapshot'));
assert.ok((await client.listSnapshots(name)).some((s) => s.name === snapshot.name));
assert.equal(await client.deleteSnapshot(name, snapshot.name), true);

await assert.rejects(() => client.getCollection('js_missing'), (e) => e.status === 404);
assert.equal(await client.deleteCollection(name), true);
console.log('js client e2e ok');
