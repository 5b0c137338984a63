// Checks Kubernetes manifests without a cluster, in three ways:
//  1. schema: each document against the Kubernetes OpenAPI schema of its kind (the validators of
//     the kubernetes-models package: types, formats, required fields);
//  2. unknown fields: the documents as typed TypeScript literals of the same package's interfaces,
//     compiled with tsc, whose excess-property check refuses a misspelt or misplaced key (which
//     the API server would drop, or refuse with strict field validation);
//  3. the restricted Pod Security Standard for every pod template.
// Usage: node validate.mjs FILE.yaml...      exits 1 and prints every finding when one fails
//        node validate.mjs --self-test FILE.yaml...
//          also breaks copies of the documents one way per check and exits 1 unless each check
//          catches its break (so a check that cannot fail is noticed)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import yaml from "js-yaml";

const require = createRequire(import.meta.url);

/** The documents of the files, each with the file it came from. */
function load(files) {
  const docs = [];
  for (const file of files) {
    for (const doc of yaml.loadAll(fs.readFileSync(file, "utf8"))) {
      if (doc != null) docs.push({ file: path.basename(file), doc });
    }
  }
  return docs;
}

function modulePath(doc) {
  return `kubernetes-models/${doc.apiVersion}/${doc.kind}`;
}

function label(d) {
  return `${d.file}: ${d.doc.kind} ${d.doc.metadata?.name ?? "(no name)"}`;
}

async function schemaFindings(docs) {
  const findings = [];
  for (const d of docs) {
    let Model;
    try {
      Model = (await import(modulePath(d.doc)))[d.doc.kind];
    } catch (e) {
      findings.push(`${label(d)}: unknown apiVersion/kind ${d.doc.apiVersion} ${d.doc.kind}`);
      continue;
    }
    try {
      new Model(d.doc).validate();
    } catch (e) {
      findings.push(`${label(d)}: schema: ${e.message}`);
    }
  }
  return findings;
}

function unknownFieldFindings(docs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quiver-k8s-"));
  try {
    const lines = [];
    docs.forEach((d, i) => {
      lines.push(`import type { I${d.doc.kind} as T${i} } from "${modulePath(d.doc)}";`);
    });
    docs.forEach((d, i) => {
      lines.push(`// ${label(d)}`);
      lines.push(`export const doc${i}: T${i} = ${JSON.stringify(d.doc, null, 2)};`);
    });
    const source = path.join(dir, "manifests.ts");
    fs.writeFileSync(source, lines.join("\n") + "\n");
    fs.symlinkSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), "node_modules"),
      path.join(dir, "node_modules"));
    const tsc = require.resolve("typescript/bin/tsc");
    try {
      execFileSync(process.execPath, [tsc, "--noEmit", "--strict", "--skipLibCheck",
        "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", source],
      { cwd: dir, encoding: "utf8", stdio: "pipe" });
      return [];
    } catch (e) {
      const text = `${e.stdout ?? ""}${e.stderr ?? ""}`.trim();
      return [`unknown or mistyped fields:\n${text}`];
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
  "persistentVolumeClaim", "projected", "secret"]);

/** The pod specs a document makes: a Pod's own, or a workload's template. */
function podSpecs(doc) {
  if (doc.kind === "Pod") return [doc.spec ?? {}];
  if (["StatefulSet", "Deployment", "DaemonSet", "ReplicaSet", "Job"].includes(doc.kind)) {
    return [doc.spec?.template?.spec ?? {}];
  }
  if (doc.kind === "CronJob") return [doc.spec?.jobTemplate?.spec?.template?.spec ?? {}];
  return [];
}

/** The restricted profile of the Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards). */
function restrictedFindings(docs) {
  const findings = [];
  for (const d of docs) {
    for (const pod of podSpecs(d.doc)) {
      const bad = (m) => findings.push(`${label(d)}: restricted Pod Security Standard: ${m}`);
      const psc = pod.securityContext ?? {};
      for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[f]) bad(`${f} is set`);
      for (const v of pod.volumes ?? []) {
        const type = Object.keys(v).find((k) => k !== "name");
        if (!RESTRICTED_VOLUMES.has(type)) bad(`volume ${v.name} is of type ${type}`);
      }
      const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? []),
        ...(pod.ephemeralContainers ?? [])];
      if (psc.runAsUser === 0) bad("the pod runs as uid 0");
      for (const c of containers) {
        const sc = c.securityContext ?? {};
        const name = `container ${c.name}`;
        if (sc.privileged) bad(`${name} is privileged`);
        if (sc.allowPrivilegeEscalation !== false) bad(`${name} lacks allowPrivilegeEscalation: false`);
        if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && psc.runAsNonRoot === true))) {
          bad(`${name} lacks runAsNonRoot: true (in its own or the pod's securityContext)`);
        }
        if (sc.runAsUser === 0) bad(`${name} runs as uid 0`);
        const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
          bad(`${name} lacks seccompProfile RuntimeDefault or Localhost`);
        }
        const drop = sc.capabilities?.drop ?? [];
        if (!drop.includes("ALL")) bad(`${name} does not drop ALL capabilities`);
        for (const cap of sc.capabilities?.add ?? []) {
          if (cap !== "NET_BIND_SERVICE") bad(`${name} adds capability ${cap}`);
        }
        for (const p of c.ports ?? []) if (p.hostPort) bad(`${name} uses hostPort ${p.hostPort}`);
        if (sc.procMount && sc.procMount !== "Default") bad(`${name} sets procMount ${sc.procMount}`);
      }
    }
  }
  return findings;
}

async function check(docs) {
  return [...(await schemaFindings(docs)), ...unknownFieldFindings(docs), ...restrictedFindings(docs)];
}

/** Breaks a copy of the first pod workload one way per check; each must be caught. */
async function selfTest(docs) {
  const index = docs.findIndex((d) => podSpecs(d.doc).length > 0);
  if (index < 0) return ["self-test: no pod workload among the documents"];
  const breaks = [
    ["a port that is not a number", "schema", (w) => { w.spec.template.spec.containers[0].ports[0].containerPort = "abc"; }],
    ["a misspelt key", "unknown", (w) => { w.spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem = true; }],
    ["privilege escalation allowed", "restricted", (w) => { w.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true; }],
    ["a capability added", "restricted", (w) => { w.spec.template.spec.containers[0].securityContext.capabilities.add = ["NET_ADMIN"]; }],
    ["a hostPath volume", "restricted", (w) => { w.spec.template.spec.volumes.push({ name: "h", hostPath: { path: "/" } }); }],
  ];
  const run = (kind, d) => kind === "schema" ? schemaFindings(d)
    : kind === "unknown" ? unknownFieldFindings(d) : restrictedFindings(d);
  const failures = [];
  for (const [what, kind, breakIt] of breaks) {
    const copy = docs.map((d) => ({ file: d.file, doc: structuredClone(d.doc) }));
    breakIt(copy[index].doc);
    const before = (await run(kind, docs)).join("\n");
    const after = (await run(kind, copy)).join("\n");
    const caught = after !== before && after.length > before.length;
    console.log(`self-test: ${what}: ${caught ? "caught" : "NOT CAUGHT"}`);
    if (!caught) failures.push(`self-test: the ${kind} check did not catch ${what}`);
  }
  return failures;
}

const args = process.argv.slice(2);
const self = args[0] === "--self-test";
const files = self ? args.slice(1) : args;
if (files.length === 0) {
  console.error("usage: node validate.mjs [--self-test] FILE.yaml...");
  process.exit(2);
}
const docs = load(files);
const findings = await check(docs);
if (self) findings.push(...(await selfTest(docs)));
for (const f of findings) console.log(f);
console.log(`${docs.length} documents in ${files.length} files: ${findings.length === 0 ? "valid" : `${findings.length} findings`}`);
process.exit(findings.length === 0 ? 0 : 1);
