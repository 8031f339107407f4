// A child process that opens a lineage log with tryOpenLog and writes what it got to stdout as JSON
// (`{"ok":true}`, the log closed again, or `{"ok":false,"code":…,"message":…}`), for tests of files
// that would block or flood the process reading them, or of a writer running as another user.
//
// usage: node --import tsx test/support/try-open-child.ts <log>

import { tryOpenLog } from "../../runtime/trust/lineage.js";

const logPath = process.argv[2];
if (!logPath) {
  process.stderr.write("usage: try-open-child <log>\n");
  process.exit(2);
}
const opened = tryOpenLog(logPath, { fsync: "never" });
if (opened.ok) opened.log.close();
process.stdout.write(JSON.stringify(opened.ok ? { ok: true } : { ok: false, code: opened.error.code, message: opened.error.message }) + "\n");
