// Quiver's web console: one page, no framework, no third-party code. Every call goes to this
// node's REST API with the credential the user signed in with (the `api-key` header or
// `Authorization: Bearer`), kept in sessionStorage only. Values from the node are put into the page
// as text nodes, never as HTML. A 403 is shown as what this credential may not do, not as an error.
"use strict";

const STORE = "quiver.console.credential";

// ---- credential ----

function credential() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE));
  } catch (e) {
    return null;
  }
}

function describe(cred) {
  if (!cred) return "";
  if (cred.kind === "none") return "no credential";
  if (cred.kind === "api-key") return "API key";
  const claims = jwtClaims(cred.value);
  if (!claims) return "JWT";
  const parts = [];
  if (claims.sub) parts.push(claims.sub);
  if (claims.access === "r" || claims.access === "m") parts.push(claims.access === "r" ? "read" : "manage");
  else if (Array.isArray(claims.access)) {
    parts.push(claims.access.map((a) => `${a.collection}:${a.access}`).join(", "));
  }
  return `JWT${parts.length ? " (" + parts.join(", ") + ")" : ""}`;
}

function jwtClaims(token) {
  const parts = String(token).split(".");
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json);
  } catch (e) {
    return null;
  }
}

// ---- the REST API ----

class Denied extends Error {}
class SignedOut extends Error {}

async function api(method, path, body) {
  const cred = credential();
  if (!cred) throw new SignedOut("not signed in");
  const headers = {};
  if (cred.kind === "api-key") headers["api-key"] = cred.value;
  else if (cred.kind === "jwt") headers["Authorization"] = `Bearer ${cred.value}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  if (res.status === 401) {
    sessionStorage.removeItem(STORE);
    throw new SignedOut(message(json, text) || "the node refused the credential");
  }
  if (res.status === 403) throw new Denied(message(json, text) || "forbidden");
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${message(json, text) || text.slice(0, 300)}`);
  return json;
}

function message(json, text) {
  if (json && json.status && typeof json.status === "object" && json.status.error) return json.status.error;
  return text && text.length < 300 ? text : "";
}

// ---- DOM ----

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "value") el.value = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function table(headers, rows, numeric = []) {
  return h("table", {},
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => h("td", { class: numeric.includes(i) ? "num" : undefined }, c))))));
}

function badge(text, cls) {
  return h("span", { class: `badge ${cls || text}` }, text);
}

function json(value) {
  return h("pre", {}, JSON.stringify(value, null, 2));
}

function short(value, max = 120) {
  const s = typeof value === "string" ? value : JSON.stringify(value);
  return s === undefined ? "" : s.length > max ? s.slice(0, max) + "…" : s;
}

function deniedPanel(what, err) {
  return h("div", { class: "denied", "data-denied": "true" },
    h("strong", {}, "Not allowed. "),
    `This credential (${describe(credential())}) may not ${what}.`,
    err && err.message ? h("div", { class: "muted" }, `The node answered: ${err.message}`) : null);
}

const view = () => document.getElementById("view");

function show(...nodes) {
  view().replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

async function guarded(what, render) {
  try {
    await render();
  } catch (e) {
    if (e instanceof SignedOut) return signIn(e.message);
    if (e instanceof Denied) return show(h("h1", {}, title()), deniedPanel(what, e));
    show(h("h1", {}, title()), h("p", { class: "error" }, e.message));
  }
}

function title() {
  const a = document.querySelector("#nav a.active");
  return a ? a.textContent : "";
}

// ---- pages ----

async function collectionsPage() {
  const list = await api("GET", "/collections");
  const names = list.result.collections.map((c) => c.name).sort();
  let aliases = [];
  try {
    aliases = (await api("GET", "/aliases")).result.aliases;
  } catch (e) {
    if (!(e instanceof Denied)) throw e;
  }
  const rows = [];
  for (const name of names) {
    let info;
    try {
      info = (await api("GET", `/collections/${encodeURIComponent(name)}`)).result;
    } catch (e) {
      if (e instanceof Denied) { rows.push([name, badge("not allowed", "grey"), "", "", "", ""]); continue; }
      throw e;
    }
    rows.push([
      h("a", { href: `#/collections/${encodeURIComponent(name)}` }, name),
      badge(info.status, info.status),
      String(info.points_count ?? ""),
      vectorsSummary(info.config.params),
      Object.entries(info.payload_schema || {}).map(([k, v]) => `${k}: ${v.data_type}`).join(", "),
      aliases.filter((a) => a.collection_name === name).map((a) => a.alias_name).join(", "),
    ]);
  }
  show(
    h("h1", {}, "Collections"),
    names.length === 0
      ? h("p", { class: "muted" }, "No collections are visible to this credential.")
      : table(["Name", "Status", "Points", "Vectors", "Payload indexes", "Aliases"], rows, [2]));
}

function vectorsSummary(params) {
  const out = [];
  const v = params.vectors;
  if (v && typeof v.size === "number") out.push(`${v.size}-d ${v.distance}`);
  else if (v) for (const [n, c] of Object.entries(v)) out.push(`${n}: ${c.size}-d ${c.distance}${c.multivector_config ? " multi" : ""}`);
  for (const n of Object.keys(params.sparse_vectors || {})) out.push(`${n}: sparse`);
  return out.join("; ");
}

async function collectionPage(name) {
  const info = (await api("GET", `/collections/${encodeURIComponent(name)}`)).result;
  let aliases = [];
  try {
    aliases = (await api("GET", `/collections/${encodeURIComponent(name)}/aliases`)).result.aliases;
  } catch (e) {
    if (!(e instanceof Denied)) throw e;
  }
  const indexes = Object.entries(info.payload_schema || {});
  show(
    h("h1", {}, `Collection ${name}`),
    h("p", {},
      h("a", { href: `#/points/${encodeURIComponent(name)}` }, "Browse points"), " · ",
      h("a", { href: `#/query/${encodeURIComponent(name)}` }, "Query"), " · ",
      h("a", { href: "#/collections" }, "All collections")),
    h("div", { class: "panel" },
      h("dl", { class: "kv" },
        h("dt", {}, "Status"), h("dd", {}, badge(info.status, info.status)),
        h("dt", {}, "Points"), h("dd", {}, String(info.points_count ?? "")),
        h("dt", {}, "Indexed vectors"), h("dd", {}, String(info.indexed_vectors_count ?? "")),
        h("dt", {}, "Vectors"), h("dd", {}, vectorsSummary(info.config.params)),
        h("dt", {}, "Aliases"), h("dd", {}, aliases.map((a) => a.alias_name).join(", ") || "none"))),
    h("h2", {}, "Payload indexes"),
    indexes.length === 0 ? h("p", { class: "muted" }, "none")
      : table(["Field", "Type", "Points"], indexes.map(([k, v]) => [k, v.data_type, String(v.points ?? "")]), [2]),
    h("h2", {}, "Configuration"),
    json(info.config));
}

async function pointsPage(name) {
  const names = (await api("GET", "/collections")).result.collections.map((c) => c.name).sort();
  const select = h("select", { id: "points-collection" }, names.map((n) => h("option", { value: n, selected: n === name }, n)));
  const filter = h("textarea", { id: "points-filter", class: "mono", placeholder: '{"must": [{"key": "city", "match": {"value": "Berlin"}}]}' });
  const limit = h("input", { id: "points-limit", type: "number", min: "1", max: "100", value: "20" });
  const vectors = h("input", { id: "points-vectors", type: "checkbox" });
  const results = h("div", { id: "points-results" });
  let offset = null;
  async function scroll(next) {
    const body = { limit: Math.min(100, Math.max(1, Number(limit.value) || 20)), with_payload: true, with_vector: vectors.checked };
    if (filter.value.trim()) {
      try {
        body.filter = JSON.parse(filter.value);
      } catch (e) {
        results.replaceChildren(h("p", { class: "error" }, `The filter is not JSON: ${e.message}`));
        return;
      }
    }
    if (next && offset !== null) body.offset = offset;
    try {
      const r = (await api("POST", `/collections/${encodeURIComponent(select.value)}/points/scroll`, body)).result;
      offset = r.next_page_offset ?? null;
      results.replaceChildren(
        table(["Id", "Payload", "Vector"], r.points.map((p) => [String(p.id), h("code", {}, short(p.payload, 200)), h("code", {}, vectorText(p.vector))])),
        h("p", { class: "muted" }, `${r.points.length} points`, offset !== null ? h("button", { type: "button", class: "secondary", id: "points-next", onclick: () => scroll(true) }, "Next page") : null));
    } catch (e) {
      if (e instanceof SignedOut) return signIn(e.message);
      results.replaceChildren(e instanceof Denied ? deniedPanel(`read the points of ${select.value}`, e) : h("p", { class: "error" }, e.message));
    }
  }
  show(
    h("h1", {}, "Points"),
    h("div", { class: "row" },
      h("label", {}, "Collection", select),
      h("label", {}, "Limit", limit),
      h("label", {}, h("span", {}, "With vectors"), vectors),
      h("button", { type: "button", id: "points-scroll", onclick: () => { offset = null; scroll(false); } }, "Scroll")),
    h("label", {}, "Filter (JSON, optional)", filter),
    results);
  if (names.length > 0) await scroll(false);
}

function vectorText(v) {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return `[${v.slice(0, 6).map((x) => Number(x).toFixed(3)).join(", ")}${v.length > 6 ? `, … (${v.length})` : ""}]`;
  return Object.entries(v).map(([k, x]) => `${k}: ${vectorText(x.indices ? `sparse(${x.indices.length})` : x)}`).join("; ");
}

// ---- query console ----

let openapi = null;

async function spec() {
  if (!openapi) {
    const res = await fetch("/dashboard/openapi.json", { credentials: "omit" });
    openapi = await res.json();
  }
  return openapi;
}

function resolve(doc, schema, depth = 0) {
  if (!schema || depth > 12) return {};
  if (schema.$ref) return resolve(doc, doc.components.schemas[schema.$ref.split("/").pop()], depth + 1);
  return schema;
}

/** The property names a JSON object may have at `path` (keys from the root) in `schema`. */
function propertiesAt(doc, schema, path, depth = 0) {
  schema = resolve(doc, schema);
  if (depth > 20) return [];
  const alternatives = [...(schema.allOf || []), ...(schema.anyOf || []), ...(schema.oneOf || [])];
  if (path.length === 0) {
    const names = new Set(Object.keys(schema.properties || {}));
    for (const a of alternatives) for (const n of propertiesAt(doc, a, path, depth + 1)) names.add(n);
    return [...names];
  }
  const [first, ...rest] = path;
  const found = [];
  if (schema.properties && schema.properties[first]) found.push(...propertiesAt(doc, schema.properties[first], rest, depth + 1));
  if (schema.items) found.push(...propertiesAt(doc, schema.items, path, depth + 1));
  for (const a of alternatives) found.push(...propertiesAt(doc, a, path, depth + 1));
  return [...new Set(found)];
}

/** Keys of the objects enclosing the cursor in a JSON text being typed, outermost first. */
function keyPath(text) {
  const stack = [];
  let key = null;
  let inString = false;
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") { current += text[++i] || ""; continue; }
      if (c === '"') { inString = false; key = current; } else current += c;
      continue;
    }
    if (c === '"') { inString = true; current = ""; }
    else if (c === "{" || c === "[") { stack.push(key); key = null; }
    else if (c === "}" || c === "]") { stack.pop(); key = null; }
    else if (c === ",") key = null;
  }
  return stack.slice(1).filter((k) => k !== null);
}

function operations(doc) {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      ops.push({ method: method.toUpperCase(), path, id: op.operationId, summary: op.summary || "", body: op.requestBody?.content?.["application/json"]?.schema });
    }
  }
  return ops.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

async function queryPage(name) {
  const doc = await spec();
  const ops = operations(doc);
  const collection = name || (await api("GET", "/collections")).result.collections.map((c) => c.name).sort()[0] || "my_collection";
  const example = await exampleQuery(collection);
  const start = ops.find((o) => o.id === "query_points");
  const opSelect = h("select", { id: "query-operation" }, ops.map((o) => h("option", { value: o.id, selected: o === start }, `${o.method} ${o.path}`)));
  const method = h("select", { id: "query-method" }, ["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => h("option", { value: m }, m)));
  const path = h("input", { id: "query-path", class: "mono", size: "60", spellcheck: "false" });
  const body = h("textarea", { id: "query-body", class: "mono", spellcheck: "false" });
  const suggestions = h("div", { class: "suggestions", id: "query-suggestions" });
  const results = h("div", { id: "query-results" });
  function choose(op, fill) {
    method.value = op.method;
    path.value = op.path.replace("{collection_name}", encodeURIComponent(collection));
    if (fill) body.value = op.id === "query_points" ? JSON.stringify(example, null, 2) : op.body ? "{\n  \n}" : "";
    suggest();
  }
  function current() {
    return ops.find((o) => o.id === opSelect.value);
  }
  function suggest() {
    const op = current();
    if (!op || !op.body) { suggestions.replaceChildren(h("span", { class: "muted" }, "This operation takes no JSON body.")); return; }
    const before = body.value.slice(0, body.selectionStart ?? body.value.length);
    const typed = (before.match(/"([A-Za-z_]*)$/) || [])[1];
    const names = propertiesAt(doc, op.body, keyPath(before)).filter((n) => typed === undefined || n.startsWith(typed)).sort();
    suggestions.replaceChildren(h("span", { class: "muted" }, "Fields here: "),
      ...(names.length === 0 ? [h("span", { class: "muted" }, "none")] : names.map((n) => h("button", { type: "button", "data-field": n, onclick: () => insert(n, typed) }, n))));
  }
  function insert(nameToInsert, typed) {
    const at = body.selectionStart ?? body.value.length;
    const from = typed === undefined ? at : at - typed.length - 1;
    const text = `"${nameToInsert}": `;
    body.value = body.value.slice(0, from) + text + body.value.slice(at);
    body.focus();
    body.selectionStart = body.selectionEnd = from + text.length;
    suggest();
  }
  async function run() {
    let payload;
    if (body.value.trim()) {
      try {
        payload = JSON.parse(body.value);
      } catch (e) {
        results.replaceChildren(h("p", { class: "error" }, `The body is not JSON: ${e.message}`));
        return;
      }
    }
    const t0 = performance.now();
    try {
      const answer = await api(method.value, path.value, payload);
      results.replaceChildren(h("p", { class: "muted" }, `answered in ${Math.round(performance.now() - t0)} ms`), ...renderAnswer(answer));
    } catch (e) {
      if (e instanceof SignedOut) return signIn(e.message);
      results.replaceChildren(e instanceof Denied ? deniedPanel(`call ${method.value} ${path.value}`, e) : h("p", { class: "error" }, e.message));
    }
  }
  opSelect.addEventListener("change", () => choose(current(), true));
  body.addEventListener("input", suggest);
  body.addEventListener("click", suggest);
  body.addEventListener("keyup", (e) => { if (e.key.startsWith("Arrow")) suggest(); });
  show(
    h("h1", {}, "Query"),
    h("p", { class: "muted" }, "Any operation of the REST API, with the fields each one takes from Qdrant's OpenAPI document."),
    h("div", { class: "row" }, h("label", {}, "Operation", opSelect)),
    h("div", { class: "row" }, h("label", {}, "Method", method), h("label", {}, "Path", path),
      h("button", { type: "button", id: "query-run", onclick: run }, "Send")),
    h("label", {}, "Body (JSON)", body),
    suggestions,
    results);
  choose(start || ops[0], true);
}

/**
 * A query that runs as it stands on `collection`: a vector of the collection's first dense
 * vector's size (named with `using` when the vectors are named), or none when it has no dense vector.
 */
async function exampleQuery(collection) {
  const q = { limit: 10, with_payload: true, with_vector: true };
  let vectors;
  try {
    vectors = (await api("GET", `/collections/${encodeURIComponent(collection)}`)).result.config.params.vectors;
  } catch (e) {
    if (e instanceof SignedOut) throw e;
    return q; // not readable, or no such collection: the user fills it in
  }
  let size = null;
  if (vectors && typeof vectors.size === "number") size = vectors.size;
  else if (vectors) {
    const named = Object.entries(vectors).find(([, c]) => c && typeof c.size === "number" && !c.multivector_config);
    if (named) { size = named[1].size; q.using = named[0]; }
  }
  if (size !== null && size <= 4096) {
    q.query = Array.from({ length: size }, (_, i) => Number((0.5 + 0.5 * Math.sin(i + 1)).toFixed(3)));
  }
  return Object.fromEntries(Object.entries(q).sort(([a], [b]) => (a === "query" ? -1 : b === "query" ? 1 : 0)));
}

/** An answer as a table of points (with a 2-D projection of their vectors) when it holds points. */
function renderAnswer(answer) {
  const result = answer && answer.result;
  const points = Array.isArray(result) ? result : result && Array.isArray(result.points) ? result.points : null;
  const out = [];
  if (points && points.length > 0 && points.every((p) => p && p.id !== undefined)) {
    out.push(table(["Id", "Score", "Payload"], points.map((p) => [String(p.id), p.score === undefined ? "" : Number(p.score).toFixed(4), h("code", {}, short(p.payload, 160))]), [1]));
    const projected = projection(points);
    if (projected) out.push(h("h2", {}, "Vectors, projected to two dimensions (PCA)"), projected);
  }
  out.push(h("h2", {}, "Answer"), json(answer));
  return out;
}

function denseVector(p) {
  const v = p.vector;
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v;
  if (v && typeof v === "object") {
    for (const x of Object.values(v)) if (Array.isArray(x) && x.every((y) => typeof y === "number")) return x;
  }
  return null;
}

/** The points' dense vectors on their first two principal components, drawn on a canvas. */
function projection(points) {
  const rows = points.map((p) => ({ id: p.id, v: denseVector(p) })).filter((r) => r.v);
  if (rows.length < 2) return null;
  const d = rows[0].v.length;
  if (!rows.every((r) => r.v.length === d)) return null;
  const mean = new Array(d).fill(0);
  for (const r of rows) for (let i = 0; i < d; i++) mean[i] += r.v[i] / rows.length;
  const X = rows.map((r) => r.v.map((x, i) => x - mean[i]));
  const components = [];
  for (let c = 0; c < Math.min(2, d); c++) {
    let w = Array.from({ length: d }, (_, i) => Math.sin(i * 12.9898 + c * 78.233) + 0.5);
    for (let it = 0; it < 60; it++) {
      const xw = X.map((x) => x.reduce((s, xi, i) => s + xi * w[i], 0));
      let next = new Array(d).fill(0);
      X.forEach((x, k) => { for (let i = 0; i < d; i++) next[i] += x[i] * xw[k]; });
      for (const prev of components) {
        const dot = next.reduce((s, x, i) => s + x * prev[i], 0);
        next = next.map((x, i) => x - dot * prev[i]);
      }
      const norm = Math.hypot(...next) || 1;
      w = next.map((x) => x / norm);
    }
    components.push(w);
  }
  const coords = X.map((x) => components.map((w) => x.reduce((s, xi, i) => s + xi * w[i], 0)));
  const canvas = h("canvas", { id: "query-projection", width: "560", height: "360" });
  const ctx = canvas.getContext("2d");
  const xs = coords.map((c) => c[0]);
  const ys = coords.map((c) => c[1] ?? 0);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x) => 30 + ((x - minX) / (maxX - minX || 1)) * 500;
  const sy = (y) => 330 - ((y - minY) / (maxY - minY || 1)) * 300;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, 560, 360);
  ctx.strokeStyle = "#d9dee4";
  ctx.strokeRect(20, 20, 520, 320);
  ctx.font = "11px system-ui, sans-serif";
  coords.forEach((c, k) => {
    const x = sx(c[0]);
    const y = sy(c[1] ?? 0);
    ctx.fillStyle = k === 0 ? "#b42318" : "#2b5fd9";
    ctx.beginPath();
    ctx.arc(x, y, 4, 0, 2 * Math.PI);
    ctx.fill();
    ctx.fillStyle = "#1c2430";
    ctx.fillText(String(rows[k].id), x + 6, y - 4);
  });
  return h("div", {}, canvas, h("p", { class: "muted" }, `${rows.length} points, ${d} dimensions; the first result in red.`));
}

// ---- cluster, audit, security ----

async function clusterPage() {
  const c = (await api("GET", "/cluster")).result;
  if (c.status !== "enabled") {
    show(h("h1", {}, "Cluster"), h("div", { class: "panel" }, "Cluster mode is off: this is a single node."));
    return;
  }
  const raft = c.raft_info || {};
  const peers = Object.entries(c.peers || {}).map(([id, p]) => [id, p.uri,
    [String(id) === String(c.peer_id) ? badge("this node", "grey") : null, String(id) === String(raft.leader) ? badge("leader", "green") : null]]);
  const sections = [];
  const names = (await api("GET", "/collections")).result.collections.map((x) => x.name).sort();
  for (const name of names) {
    let info;
    try {
      info = (await api("GET", `/collections/${encodeURIComponent(name)}/cluster`)).result;
    } catch (e) {
      if (e instanceof Denied) continue;
      if (e instanceof SignedOut) throw e;
      // one collection's answer (say, one deleted since the list) does not hide the others
      sections.push(h("div", { "data-collection": name }, h("h2", {}, name), h("p", { class: "error" }, e.message)));
      continue;
    }
    const replicas = [
      ...(info.local_shards || []).map((s) => [String(s.shard_id), `${c.peer_id} (this node)`, badge(s.state, s.state), String(s.points_count ?? ""), s.shard_key ?? ""]),
      ...(info.remote_shards || []).map((s) => [String(s.shard_id), String(s.peer_id), badge(s.state, s.state), "", s.shard_key ?? ""]),
    ].sort((a, b) => Number(a[0]) - Number(b[0]));
    sections.push(h("div", { "data-collection": name },
      h("h2", {}, `${name}: ${info.shard_count} shards`),
      table(["Shard", "Peer", "State", "Points", "Shard key"], replicas, [3]),
      (info.shard_transfers || []).length ? [h("h2", {}, "Transfers"), table(["Shard", "From", "To", "Method"], info.shard_transfers.map((t) => [String(t.shard_id), String(t.from), String(t.to), t.method || ""]))] : null,
      (info.resharding_operations || []).length ? [h("h2", {}, "Resharding"), table(["Direction", "Shard", "Peer", "Shard key"], info.resharding_operations.map((r) => [r.direction, String(r.shard_id), String(r.peer_id), r.shard_key ?? ""]))] : null));
  }
  show(
    h("h1", {}, "Cluster"),
    h("div", { class: "panel" }, h("dl", { class: "kv" },
      h("dt", {}, "This peer"), h("dd", {}, String(c.peer_id)),
      h("dt", {}, "Role"), h("dd", {}, raft.role || ""),
      h("dt", {}, "Term / commit"), h("dd", {}, `${raft.term} / ${raft.commit}`))),
    h("h2", {}, "Peers"),
    h("div", { id: "cluster-peers" }, table(["Peer id", "URI", ""], peers)),
    sections);
}

async function auditPage() {
  const from = h("input", { id: "audit-from", type: "datetime-local" });
  const to = h("input", { id: "audit-to", type: "datetime-local" });
  const user = h("input", { id: "audit-user", placeholder: "subject" });
  const coll = h("input", { id: "audit-collection", placeholder: "collection" });
  const outcome = h("select", { id: "audit-outcome" }, h("option", { value: "" }, "any"), h("option", { value: "ok" }, "allowed"), h("option", { value: "denied" }, "denied"));
  const results = h("div", { id: "audit-results" });
  async function load() {
    const body = { limit: 200, filters: {} };
    if (from.value) body.time_from = new Date(from.value).toISOString();
    if (to.value) body.time_to = new Date(to.value).toISOString();
    if (user.value.trim()) body.filters.subject = user.value.trim();
    if (coll.value.trim()) body.filters.collection = coll.value.trim();
    if (outcome.value) body.filters.result = outcome.value;
    const r = (await api("POST", "/audit/logs", body)).result;
    results.replaceChildren(
      r.entries.length === 0 ? h("p", { class: "muted" }, "No entries match.")
        : table(["Time", "Subject", "Auth", "Operation", "Collection", "Status", "Result", "Client"],
          r.entries.map((e) => [e.timestamp, e.subject || "", e.auth_type || "", e.operation || `${e.method} ${e.path}`, e.collection || "", String(e.status), badge(e.result === "ok" ? "allowed" : e.result, e.result), e.client_ip || ""]), [5]));
  }
  await load(); // a 403 here makes the whole page "not allowed"
  show(
    h("h1", {}, "Audit log"),
    h("form", { id: "audit-form", onsubmit: (e) => { e.preventDefault(); guarded("read the audit log", load); } },
      h("label", {}, "From", from), h("label", {}, "To", to), h("label", {}, "User", user),
      h("label", {}, "Collection", coll), h("label", {}, "Outcome", outcome),
      h("button", { type: "submit", id: "audit-search" }, "Search")),
    results);
}

async function securityPage() {
  const r = (await api("GET", "/security/check")).result;
  show(
    h("h1", {}, "Security check"),
    h("p", {}, r.passed ? badge("passed", "pass") : badge("needs attention", "fail"),
      " The security checklist, evaluated against this node's running configuration."),
    table(["Item", "Verdict", "Why", "Fix"], r.items.map((i) => [i.item, badge(i.verdict, i.verdict), i.reason, i.fix || ""])));
}

// ---- navigation ----

const PAGES = {
  collections: { what: "list collections", render: (arg) => (arg ? collectionPage(arg) : collectionsPage()) },
  points: { what: "read points", render: (arg) => pointsPage(arg) },
  query: { what: "use the query console", render: (arg) => queryPage(arg) },
  cluster: { what: "see the cluster's state (it needs read access to everything)", render: () => clusterPage() },
  audit: { what: "read the audit log (it needs manage access)", render: () => auditPage() },
  security: { what: "see the security check (it needs manage access)", render: () => securityPage() },
};

// One page renders at a time: a navigation while one renders waits for it and then renders the
// newest address, so a slow page never paints over the page asked for after it.
let routing = false;
let routeAgain = false;

async function route() {
  if (routing) {
    routeAgain = true;
    return;
  }
  routing = true;
  try {
    do {
      routeAgain = false;
      await renderRoute();
    } while (routeAgain);
  } finally {
    routing = false;
  }
}

async function renderRoute() {
  if (!credential()) return signIn();
  const [, page = "collections", arg] = location.hash.match(/^#\/([a-z]+)(?:\/(.*))?$/) || [];
  const p = PAGES[page] ? page : "collections";
  for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.dataset.page === p);
  document.getElementById("login").hidden = true;
  for (const id of ["nav", "who", "sign-out", "view"]) document.getElementById(id).hidden = false;
  document.getElementById("who").textContent = describe(credential());
  const hash = location.hash;
  document.body.dataset.view = "loading";
  document.body.dataset.page = p;
  show(h("p", { class: "muted" }, "Loading…"));
  await guarded(PAGES[p].what, () => PAGES[p].render(arg ? decodeURIComponent(arg) : undefined));
  // what the page shows is complete (tests and scripts wait for this marker)
  if (location.hash === hash) document.body.dataset.view = hash;
}

function signIn(error) {
  for (const id of ["nav", "who", "sign-out", "view"]) document.getElementById(id).hidden = true;
  document.getElementById("login").hidden = false;
  const e = document.getElementById("login-error");
  e.hidden = !error;
  e.textContent = error ? `Not signed in: ${error}` : "";
  document.body.dataset.page = "login";
  document.body.dataset.view = "login";
}

async function submitLogin(event) {
  event.preventDefault();
  const kind = document.getElementById("login-kind").value;
  const value = document.getElementById("login-value").value.trim();
  if (!value && kind !== "none") return;
  sessionStorage.setItem(STORE, JSON.stringify({ kind, value }));
  document.getElementById("login-value").value = "";
  try {
    await api("GET", "/collections");
  } catch (e) {
    if (e instanceof SignedOut) return signIn(e.message);
    // a credential that may not list collections still signs in: pages say what it may not do
  }
  if (!location.hash) location.hash = "#/collections";
  else route();
}

async function version() {
  try {
    const res = await fetch("/", { credentials: "omit" });
    const v = await res.json();
    document.getElementById("node-version").textContent = `${v.quiver_version ? "Quiver " + v.quiver_version : ""} · Qdrant API ${v.version}`;
  } catch (e) {
    // the version line is decoration
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login-form").addEventListener("submit", submitLogin);
  const kind = document.getElementById("login-kind");
  kind.addEventListener("change", () => {
    const value = document.getElementById("login-value");
    value.required = kind.value !== "none";
    value.disabled = kind.value === "none";
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    sessionStorage.removeItem(STORE);
    location.hash = "";
    signIn();
  });
  window.addEventListener("hashchange", route);
  version();
  route();
});
