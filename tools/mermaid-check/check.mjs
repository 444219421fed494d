// Parse Mermaid diagrams with the real mermaid parser, so CI fails on a chart GitHub cannot render.
//
// Usage:
//   node check.mjs < diagrams.json        # stdin: a JSON array of diagram strings
//   node check.mjs a.mmd b.mmd            # or files, each holding one diagram
//
// Prints one JSON object per diagram on stdout, in input order:
//   {"index": 0, "ok": true, "type": "xychart"}
//   {"index": 1, "ok": false, "error": "Parse error on line 2: ..."}
// Exit code: 0 all parsed, 1 at least one failed, 2 bad input.
//
// mermaid-cli is not used because it downloads a headless browser; parse() needs no layout,
// only a DOM for DOMPurify, which jsdom provides.

import { readFile } from "node:fs/promises";
import { JSDOM } from "jsdom";

function fail(message) {
  process.stderr.write(`mermaid-check: ${message}\n`);
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function loadDiagrams(args) {
  if (args.length > 0) {
    return Promise.all(args.map((path) => readFile(path, "utf8")));
  }
  let parsed;
  try {
    parsed = JSON.parse(await readStdin());
  } catch (err) {
    fail(`stdin is not JSON: ${err.message}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === "string")) {
    fail("stdin must be a JSON array of strings");
  }
  return parsed;
}

// The globals must exist before mermaid is imported: DOMPurify binds to `window` at import time,
// and mermaid sanitises labels with it while parsing some diagram types.
const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;

// mermaid logs parse failures itself; keep stdout for our JSON lines only.
const toStderr = (...parts) => process.stderr.write(`${parts.map(String).join(" ")}\n`);
console.log = toStderr;
console.info = toStderr;
console.debug = toStderr;
console.warn = toStderr;

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, logLevel: "fatal" });

const diagrams = await loadDiagrams(process.argv.slice(2));
let failures = 0;
for (const [index, text] of diagrams.entries()) {
  let result;
  try {
    const parsed = await mermaid.parse(text);
    result = { index, ok: true, type: parsed.diagramType };
  } catch (err) {
    failures += 1;
    result = { index, ok: false, error: String(err?.message ?? err) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
process.exit(failures === 0 ? 0 : 1);
