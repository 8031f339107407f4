// A child process for test/trust/many-lines.test.ts: reads texts of many short lines and prints
// what the readers gave as JSON on stdout. A reader that kept something per line (an array of line
// ends, the text split into lines, a number per open array) would end this process — past the
// longest array V8 makes, or past the heap the test gives it — rather than the test's own worker.
//
// usage: node many-lines-child.mjs <lines|nesting> <count>
//   lines    <count> newlines: as a lineage log (verifyLogBytes, the walk verifyLog makes of a file's
//            bytes); then two requests after them, as a list of requests read from standard input
//            (readRequestList); and `[`, the newlines, `}`: a JSON array that is not one
//   nesting  <count> `[`: where jsonSyntaxErrorOffset, which places a list's fault, finds they end too soon

import { verifyLogBytes } from "../../runtime/trust/lineage-verify.js";
import { readRequestList } from "../../cli/commands/request-json.js";
import { jsonSyntaxErrorOffset } from "../../cli/json-syntax.js";

const [mode, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isSafeInteger(count) || count < 0) {
  process.stderr.write("usage: many-lines-child <lines|nesting> <count>\n");
  process.exit(2);
}

/** readRequestList of `text`, given on standard input */
const requestList = (text: string) => readRequestList({ cwd: process.cwd(), out: () => {}, err: () => {}, readStdin: async () => text }, "-");

if (mode === "lines") {
  const log = verifyLogBytes(Buffer.alloc(count, 0x0a));
  const newlines = "\n".repeat(count);
  const requests = await requestList(`${newlines}{"n":1}\n\n{"n":2}\n`);
  const array = await requestList(`[${newlines}}`);
  process.stdout.write(JSON.stringify({ log, requests, array }));
} else if (mode === "nesting") {
  process.stdout.write(JSON.stringify(jsonSyntaxErrorOffset("[".repeat(count))));
} else {
  process.stderr.write(`many-lines-child: no mode ${mode}\n`);
  process.exit(2);
}
