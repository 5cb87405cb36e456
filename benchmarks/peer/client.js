// The phone side of the peer: PouchDB (in memory) replicating with the server.
// Usage: node client.js SPEC.json  — SPEC: {steps: [...]}; prints one JSON line.
// Steps: {op: "put", url, docs}: bulk write to a remote database (set-up, not timed);
// {op: "local", docs}: write into the phone's database; {op: "push"|"pull", url,
// retry_s, timeout_s}: one replication, timed, started again (from its checkpoint)
// after a failure, every retry_s seconds, until it completes or timeout_s passes.
const fs = require("fs");
const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-memory"))
  .plugin(require("pouchdb-adapter-http"))
  .plugin(require("pouchdb-replication"));

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const local = new PouchDB("phone-" + process.pid, { adapter: "memory" });
// Keep-alive, as a phone's WebView does (node's fetch would open a connection a request).
const http = require("http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
const pouchFetch = require("pouchdb-fetch").fetch;
const fetch = (url, opts) => pouchFetch(url, { ...opts, agent });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A request cut by the link can surface outside the replication's promise (node-fetch
// emits it on the socket): counted, and the replication's own failure restarts it.
const stray = [];
process.on("unhandledRejection", (err) => stray.push(String(err && err.message || err)));
process.on("uncaughtException", (err) => stray.push(String(err && err.message || err)));

async function replicate(step) {
  const remote = new PouchDB(step.url, { adapter: "http", skip_setup: true, fetch });
  const started = Date.now();
  let attempts = 0;
  let docs = 0;
  let lastError = null;
  while (Date.now() - started < step.timeout_s * 1000) {
    attempts += 1;
    try {
      const from = step.op === "push" ? local : remote;
      const to = step.op === "push" ? remote : local;
      const left = step.timeout_s * 1000 - (Date.now() - started);
      const replication = PouchDB.replicate(from, to, { batch_size: step.batch_size || 100 });
      const info = await Promise.race([
        replication,
        sleep(left).then(() => { replication.cancel(); throw new Error("timeout"); }),
      ]);
      docs += info.docs_written;
      return { op: step.op, ok: true, wall_s: (Date.now() - started) / 1000, ended_at: Date.now() / 1000, attempts, docs_written: docs };
    } catch (err) {
      lastError = String(err && (err.message || err.name || err));
      if (err && err.result) docs += err.result.docs_written || 0;
      await sleep(step.retry_s * 1000);
    }
  }
  return { op: step.op, ok: false, wall_s: (Date.now() - started) / 1000, attempts, docs_written: docs, error: lastError };
}

async function main() {
  const out = [];
  for (const step of spec.steps) {
    if (step.op === "put") {
      const remote = new PouchDB(step.url, { adapter: "http" });
      await remote.info(); // creates the database
      for (let i = 0; i < step.docs.length; i += 1000) await remote.bulkDocs(step.docs.slice(i, i + 1000));
    } else if (step.op === "local") {
      for (let i = 0; i < step.docs.length; i += 1000) await local.bulkDocs(step.docs.slice(i, i + 1000));
    } else if (step.op === "mark") {
      process.stdout.write(JSON.stringify({ mark: step.name }) + "\n");
      // Wait for the driver to say go (it resets the link's counters meanwhile).
      await new Promise((resolve) => process.stdin.once("data", resolve));
    } else {
      out.push(await replicate(step));
    }
  }
  out.push({ local_docs: (await local.info()).doc_count, stray_errors: stray.length });
  process.stdout.write(JSON.stringify({ results: out }) + "\n");
  process.exit(0);
}
main().catch((err) => { process.stdout.write(JSON.stringify({ error: String(err && err.stack || err) }) + "\n"); process.exit(1); });
