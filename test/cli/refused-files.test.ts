// A file or directory the system refuses — a read-only file system (EROFS), a mode that keeps this
// user out (EACCES) — is said in the words every command uses for a file it cannot reach: the real
// reason, of the file or directory at fault, never Node's own words (`EACCES: permission denied,
// open '…'`), a temporary file's name, or "record 0" for a log that could not be opened. Made to
// happen on cue (node:fs wrapped), since a test may run as root, which no mode keeps out, and cannot
// mount a read-only file system.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** The paths the system refuses, and how; set by each test. */
const cue: {
  /** a directory under which nothing can be created (mkdir, open with O_CREAT) */
  readOnly?: string;
  /** a file no open succeeds on */
  noAccess?: string;
} = {};

function systemError(code: string, message: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}, ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
}

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const under = (path: string, dir: string | undefined) => dir !== undefined && path.startsWith(`${dir}/`);
  const wrapped = {
    ...fs,
    mkdirSync(path: import("node:fs").PathLike, options?: { recursive?: boolean }) {
      const p = String(path);
      if (under(p, cue.readOnly))
        // as Node's recursive mkdir reports it: ENOENT, whatever stopped it
        throw options?.recursive ? systemError("ENOENT", "no such file or directory", "mkdir", p) : systemError("EROFS", "read-only file system", "mkdir", p);
      return (fs.mkdirSync as (...a: unknown[]) => unknown)(path, options);
    },
    openSync(path: import("node:fs").PathLike, ...rest: unknown[]) {
      const p = String(path);
      if (p === cue.noAccess) throw systemError("EACCES", "permission denied", "open", p);
      if (under(p, cue.readOnly)) throw systemError("EROFS", "read-only file system", "open", p);
      return (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
    },
  };
  return { ...wrapped, default: wrapped };
});

const dir = tempDir("refused-files");

beforeAll(async () => {
  mkdirSync(join(dir, "ro"));
  mkdirSync(join(dir, "logs"));
  writeFileSync(join(dir, "logs", "locked.jsonl"), "");
  const keys = await runWrit(["keygen", "--name", "k"], dir);
  expect(keys.code, keys.err).toBe(0);
  const compiled = await runWrit(["compile", join(dir, "p.writ"), "-o", "build", "--O0"], dir);
  expect(compiled.code, compiled.err).toBe(0);
  writeFileSync(join(dir, "req.json"), '{"a": 1}');
}, 60_000);
writeFileSync(join(dir, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');

const authorizeWithLog = (log: string) => runWrit(["authorize", "build", "--input", "req.json", "--key", "k.private.jwk", "--log", log], dir);
const UNSIGNED = "writ authorize: warning: the bundle is not signed; its artifacts still name its module digests";

describe("an output directory on a read-only file system", () => {
  it("is said to be on one, not to be missing (recursive mkdir's ENOENT)", async () => {
    cue.readOnly = join(dir, "ro");
    try {
      expect(await runWrit(["keygen", "-o", "ro/keys"], dir)).toEqual({
        code: 1,
        out: "",
        err: `writ keygen: cannot create the output directory ${join(dir, "ro", "keys")}: read-only file system (EROFS)`,
      });
      const r = await runWrit(["compile", "p.writ", "-o", "ro/a/b"], dir);
      expect(r).toMatchObject({ code: 1, err: `writ compile: cannot create the output directory ${join(dir, "ro", "a", "b")}: read-only file system (EROFS)` });
    } finally {
      delete cue.readOnly;
    }
  });
});

describe("a lineage log that cannot be opened", () => {
  it("authorize --log says so of the log, in words", async () => {
    cue.noAccess = join(dir, "logs", "locked.jsonl");
    try {
      expect(await authorizeWithLog("logs/locked.jsonl")).toEqual({ code: 1, out: "", err: `${UNSIGNED}\nwrit authorize: ${join(dir, "logs", "locked.jsonl")}: permission denied (EACCES)` });
    } finally {
      delete cue.noAccess;
    }
  });

  it("authorize --log in a directory that takes no new file says so of the directory, not of the lock's temporary file", async () => {
    cue.readOnly = join(dir, "logs");
    try {
      const log = join(dir, "logs", "new.jsonl");
      expect(await authorizeWithLog("logs/new.jsonl")).toEqual({
        code: 1,
        out: "",
        err: `${UNSIGNED}\nwrit authorize: ${log}: cannot take the lock: no file can be created in ${join(dir, "logs")}: read-only file system (EROFS)`,
      });
    } finally {
      delete cue.readOnly;
    }
  });

  it("audit verify and head say so of the log, not of its record 0, and --json as a fault of no record", async () => {
    cue.noAccess = join(dir, "logs", "locked.jsonl");
    try {
      for (const sub of ["verify", "head"]) {
        expect(await runWrit(["audit", sub, "logs/locked.jsonl"], dir)).toEqual({ code: 1, out: "", err: "writ audit: log logs/locked.jsonl: permission denied (EACCES)" });
      }
      const json = await runWrit(["audit", "verify", "logs/locked.jsonl", "--json"], dir);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.out)).toEqual({ ok: false, index: -1, kind: "unreadable", reason: "log logs/locked.jsonl: permission denied (EACCES)" });
    } finally {
      delete cue.noAccess;
    }
  });

  it("verifyLog gives it as the file's fault (index −1), in words", async () => {
    const { verifyLog } = await import("../../runtime/trust/lineage-verify.js");
    const log = join(dir, "logs", "locked.jsonl");
    cue.noAccess = log;
    try {
      expect(verifyLog(log)).toEqual({ ok: false, index: -1, kind: "unreadable", reason: `cannot read ${log}: permission denied (EACCES)` });
    } finally {
      delete cue.noAccess;
    }
  });
});
