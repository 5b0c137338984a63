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

// aliases, payload indexes, facets, batches, recommendations, vectors, groups, order_by
assert.equal(
  await client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: name, alias_name: 'js_alias' } }],
  }),
  true,
);
assert.deepEqual((await client.getCollectionAliases(name)).aliases.map((a) => a.alias_name), [
  'js_alias',
]);
assert.equal((await client.count('js_alias', { exact: true })).count, 2);
await client.createPayloadIndex(name, { field_name: 'city', field_schema: 'keyword', wait: true });
await client.createPayloadIndex(name, { field_name: 'n', field_schema: 'integer', wait: true });
assert.equal((await client.getCollection(name)).payload_schema.city.data_type, 'keyword');
const facet = await client.facet(name, { key: 'city' });
assert.equal(facet.hits.length, 2);
const ops = await client.batchUpdate(name, {
  wait: true,
  operations: [
    { upsert: { points: [{ id: 5, vector: [0.9, 0.1, 0, 0], payload: { city: 'Rome', n: 5 } }] } },
    { set_payload: { payload: { tag: 'y' }, points: [5] } },
  ],
});
assert.equal(ops.length, 2);
const recommended = await client.recommend(name, { positive: [1], limit: 1 });
assert.equal(recommended[0].id, 5);
await client.updateVectors(name, { wait: true, points: [{ id: 5, vector: [0, 0, 0, 1] }] });
assert.deepEqual((await client.retrieve(name, { ids: [5], with_vector: true }))[0].vector, [0, 0, 0, 1]);
const groups = await client.queryGroups(name, { query: [1, 0, 0, 0], group_by: 'city', limit: 5, group_size: 1 });
assert.equal(groups.groups.length, 3);
const ordered = await client.scroll(name, { order_by: { key: 'n', direction: 'desc' }, limit: 2 });
assert.deepEqual(ordered.points.map((p) => p.id), [5, uuid]);
const batch = await client.queryBatch(name, { searches: [{ query: [1, 0, 0, 0], limit: 1 }] });
assert.equal(batch[0].points[0].id, 1);
// hybrid-style query: two prefetches fused by reciprocal rank, then discovery
const fused = await client.query(name, {
  prefetch: [{ query: [1, 0, 0, 0], limit: 2 }, { query: [0, 1, 0, 0], limit: 2 }],
  query: { fusion: 'rrf' },
  limit: 4,
});
const nearX = (await client.query(name, { query: [1, 0, 0, 0], limit: 2 })).points.map((p) => p.id);
const nearY = (await client.query(name, { query: [0, 1, 0, 0], limit: 2 })).points.map((p) => p.id);
assert.deepEqual(
  fused.points.map((p) => String(p.id)).sort(),
  [...new Set([...nearX, ...nearY].map(String))].sort(),
);
assert.ok(fused.points[0].score >= 0.5);
// score boosting: the prefetch's score plus payload values and a condition
const boosted = await client.query(name, {
  prefetch: { query: [1, 0, 0, 0], limit: 3 },
  query: {
    formula: {
      sum: ['$score', { mult: [10, 'n'] }, { mult: [100, { key: 'tag', match: { value: 'y' } }] }],
    },
  },
  limit: 3,
});
assert.deepEqual(boosted.points.map((p) => p.id), [5, uuid, 1]);
assert.deepEqual(boosted.points.map((p) => p.score), [150, 30, 11]);
const discovered = await client.discoverPoints(name, {
  target: [1, 0, 0, 0],
  context: [{ positive: 1, negative: 5 }],
  limit: 2,
});
assert.ok(discovered.length > 0 && discovered.every((p) => p.id !== 1 && p.id !== 5));
assert.equal(
  await client.updateCollection(name, { optimizers_config: { indexing_threshold: 0 } }),
  true,
);

// hybrid search: a dense and a sparse vector, fused with RRF
const hybrid = 'js_hybrid';
assert.equal(
  await client.createCollection(hybrid, {
    vectors: { size: 4, distance: 'Dot' },
    sparse_vectors: { 'sparse-text': { modifier: 'idf' } },
  }),
  true,
);
await client.upsert(hybrid, {
  wait: true,
  points: [1, 2, 3, 4, 5, 6].map((i) => ({
    id: i,
    vector: { '': [i, 1, 0, 0], 'sparse-text': { indices: [i % 2, 9], values: [i, 1] } },
  })),
});
const sparseOnly = await client.query(hybrid, {
  query: { indices: [1], values: [1] },
  using: 'sparse-text',
  limit: 2,
});
assert.deepEqual(sparseOnly.points.map((p) => p.id), [5, 3]);
const hybridFused = await client.query(hybrid, {
  prefetch: [
    { query: [1, 0, 0, 0], limit: 3 },
    { query: { indices: [0], values: [1] }, using: 'sparse-text', limit: 3 },
  ],
  query: { fusion: 'rrf' },
  limit: 2,
  with_vector: true,
});
assert.equal(hybridFused.points[0].id, 6);
assert.deepEqual(hybridFused.points[0].vector['sparse-text'].indices, [0, 9]);
// BM25 documents embedded by the node, as FastEmbed's Qdrant/bm25 would
await client.upsert(hybrid, {
  wait: true,
  points: [
    { id: 10, vector: { '': [0, 0, 1, 0], 'sparse-text': { text: 'Foxes run in the forest', model: 'qdrant/bm25' } } },
    { id: 11, vector: { '': [0, 0, 0, 1], 'sparse-text': { text: 'A dog sleeps by the fire', model: 'qdrant/bm25' } } },
  ],
});
const bm25 = await client.query(hybrid, {
  query: { text: 'fox', model: 'qdrant/bm25' },
  using: 'sparse-text',
  limit: 3,
});
assert.deepEqual(bm25.points.map((p) => p.id), [10]);
assert.equal(await client.deleteCollection(hybrid), true);

await assert.rejects(() => client.getCollection('js_missing'), (e) => e.status === 404);
assert.equal(await client.deleteCollection(name), true);
console.log('js client e2e ok');
