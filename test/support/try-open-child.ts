// A child process that opens a lineage log with tryOpenLog and writes what it got to stdout as JSON
// (`{"ok":true}`, the log closed again, or `{"ok":false,"code":…,"message":…}`), for tests of files
// that would block or flood the process reading them, or of a writer running as another user.
//
// With `fifo-before-close`, the log's lock is replaced by a FIFO before the log is closed (as
// another user could in a shared directory), and `{"ok":true,"closed":true}` says close() returned.
//
// usage: node --import tsx test/support/try-open-child.ts <log> [fifo-before-close]

import { execFileSync } from "node:child_process";
import { unlinkSync } from "node:fs";
import { tryOpenLog } from "../../runtime/trust/lineage.js";

const logPath = process.argv[2];
if (!logPath) {
  process.stderr.write("usage: try-open-child <log>\n");
  process.exit(2);
}
const opened = tryOpenLog(logPath, { fsync: "never" });
const fifo = process.argv[3] === "fifo-before-close";
if (opened.ok && fifo) {
  unlinkSync(`${logPath}.lock`);
  execFileSync("mkfifo", [`${logPath}.lock`]);
}
if (opened.ok) opened.log.close();
process.stdout.write(JSON.stringify(opened.ok ? { ok: true, ...(fifo ? { closed: true } : {}) } : { ok: false, code: opened.error.code, message: opened.error.message }) + "\n");
