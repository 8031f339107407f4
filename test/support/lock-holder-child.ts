// A child process for the lock races (test/trust/lineage-races.test.ts): a writer that opens a
// lineage log and says whether it holds it, by writing `held`, or `refused <code> <message>`, to a
// report file (whole: written aside, then renamed), and holds the log until its stdin ends.
//
// usage: node --import tsx test/support/lock-holder-child.ts <log> <report file>

import { renameSync, writeFileSync } from "node:fs";
import { openLog, LineageError, type LineageLog } from "../../runtime/trust/lineage.js";

const [logPath, report] = process.argv.slice(2);
if (!logPath || !report) {
  process.stderr.write("usage: lock-holder-child <log> <report file>\n");
  process.exit(2);
}

function say(text: string): void {
  writeFileSync(`${report}.part`, text);
  renameSync(`${report}.part`, report!);
}

let log: LineageLog;
try {
  log = openLog(logPath, { fsync: "never" });
} catch (e) {
  say(e instanceof LineageError ? `refused ${e.code} ${e.message}` : `failed ${String(e)}`);
  process.exit(0);
}
say("held");
process.stdin.on("end", () => {
  log.close();
  process.exit(0);
});
process.stdin.resume();
