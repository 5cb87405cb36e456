// A CouchDB-style replication peer: express-pouchdb over PouchDB (in memory), on loopback.
// Usage: node server.js PORT
const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-memory"))
  .plugin(require("pouchdb-adapter-http"))
  .plugin(require("pouchdb-mapreduce"))
  .plugin(require("pouchdb-replication"));
const express = require("express");

const MemPouch = PouchDB.defaults({ adapter: "memory" });
const app = express();
app.use("/", require("express-pouchdb")(MemPouch, { mode: "minimumForPouchDB", logPath: "/dev/null" }));
const server = app.listen(Number(process.argv[2]), "127.0.0.1", () => console.log("ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
