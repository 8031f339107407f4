// `writ check`, `writ fmt --check` and `writ test` given directories, as CI runs them (`writ check
// policies/`, `writ fmt --check .`): plain node on a transpiled copy of the tree, real files and
// directories on disk. All three find the same policy files the same way (cli/policy-files.ts): in
// the same order, each once through a link back up the tree, a path they cannot follow, an entry
// they cannot examine that may be a directory, a name that is not UTF-8 or a directory they cannot
// read said with its path and failing the run while the rest is still looked at, a directory
// without a policy said as such. Plain `writ fmt`, which prints or rewrites
// one file, refuses a directory and points at --check.

import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkCommand } from "../../cli/commands/check.js";
import { fmtCommand } from "../../cli/commands/fmt.js";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `writ args` in a process of its own, run in `cwd` (as user `uid`, when given, as root may). */
function writ(build: string, cwd: string, ...args: string[]): Promise<Run> {
  return writAs(undefined, build, cwd, ...args);
}

function writAs(uid: number | undefined, build: string, cwd: string, ...args: string[]): Promise<Run> {
  const user = uid === undefined ? {} : { uid, gid: uid };
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000, ...user }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin?.end();
  });
}

const FORMATTED = 'policy "p" version "1.0.0"\n\ninput {\n  a: int\n}\n\npermit ok when a > 0\n\ntest "one" {\n  input {\n    a: 1\n  }\n  expect allow\n}\n';
const UNFORMATTED = 'policy "q" version "1.0.0"\ninput { a: int }\npermit ok when a>0\ntest "one" { input { a: 1 } expect allow }\n';
const BROKEN = 'policy "r" versio "1.0.0"\ninput { a: int }\n';

/** Writes `text` at `path` (its directories made), its mtime set back so that a rewrite would move it. */
function put(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  utimesSync(path, new Date(2001, 0, 1), new Date(2001, 0, 1));
}

/** The bytes and mtime of each file, to show that nothing was written. */
function snapshot(paths: string[]): { path: string; bytes: string; mtimeMs: number }[] {
  return paths.map((path) => ({ path, bytes: readFileSync(path).toString("hex"), mtimeMs: statSync(path).mtimeMs }));
}

/** The user the unreadable-directory case runs the commands as when the tests run as root. */
const NOBODY = 65534;

const CANONICAL_NOTE = (n: number, of: number, refused = 0) =>
  `writ fmt: ${n === 1 ? "1 file is" : `${n} files are`} not in canonical form (of ${of} checked)${refused === 0 ? "" : `; ${refused === 1 ? "1 file has" : `${refused} files have`} no canonical form, said above`}: writ fmt --write <file> rewrites one\n`;

describe("policy commands given directories", () => {
  let build: string;
  let work: string;
  let files: string[];
  beforeAll(() => {
    build = tempDir("policy-dirs-build");
    writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
    work = tempDir("policy-dirs");
    // policies/
    //   .drafts/x.writ                  (not searched: starts with `.`)
    //   a-formatted.writ
    //   nested/back -> ..               (a link back up the tree: its files are not found twice)
    //   nested/c-broken.writ            (a syntax error)
    //   nested/deeper/b-unformatted.writ
    //   notes.txt                       (not a policy)
    const p = join(work, "policies");
    put(join(p, ".drafts", "x.writ"), BROKEN);
    put(join(p, "a-formatted.writ"), FORMATTED);
    put(join(p, "nested", "c-broken.writ"), BROKEN);
    put(join(p, "nested", "deeper", "b-unformatted.writ"), UNFORMATTED);
    put(join(p, "notes.txt"), "not a policy\n");
    symlinkSync("..", join(p, "nested", "back"));
    files = [join(p, "a-formatted.writ"), join(p, "nested", "c-broken.writ"), join(p, "nested", "deeper", "b-unformatted.writ")];
    put(join(work, "clean", "one", "a.writ"), FORMATTED);
    put(join(work, "clean", "two", "b.writ"), FORMATTED.replace('"p"', '"p2"'));
    mkdirSync(join(work, "empty"));
    put(join(work, "hidden", ".drafts", "x.writ"), FORMATTED);
  }, 120_000);

  it("writ check walks a directory, nested ones included, in order, each file once, and fails on a syntax error", async () => {
    const r = await writ(build, work, "check", "policies");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("policies/nested/c-broken.writ:1:12: error[W0101]: expected `version`, found `versio`");
    const counts = r.stderr.split("\n").filter((l) => /^policies\/.*: \d+ errors?, \d+ warnings?$/.test(l));
    expect(counts).toEqual(["policies/a-formatted.writ: 0 errors, 0 warnings", "policies/nested/c-broken.writ: 1 error, 0 warnings", "policies/nested/deeper/b-unformatted.writ: 0 errors, 0 warnings"]);
    expect(r.stderr).not.toContain(".drafts");
    // from inside, the paths are relative to the directory given
    const inside = await writ(build, join(work, "policies"), "check", ".");
    expect(inside.code).toBe(1);
    expect(inside.stderr).toContain("\nnested/deeper/b-unformatted.writ: 0 errors, 0 warnings\n");
    expect(await writ(build, work, "check", "clean")).toEqual({ code: 0, stdout: "", stderr: "clean/one/a.writ: 0 errors, 0 warnings\nclean/two/b.writ: 0 errors, 0 warnings\n" });
  }, 120_000);

  it("writ fmt --check walks a directory and lists the unformatted files as found, writing nothing", async () => {
    // the fixture's formatted file is what fmt prints
    expect(await writ(build, work, "fmt", "policies/a-formatted.writ")).toEqual({ code: 0, stdout: FORMATTED, stderr: "" });
    const before = snapshot(files);
    const r = await writ(build, work, "fmt", "--check", "policies");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("policies/nested/deeper/b-unformatted.writ\n");
    expect(r.stderr).toContain("policies/nested/c-broken.writ:1:12: error[W0101]");
    expect(r.stderr.endsWith(CANONICAL_NOTE(1, 3, 1))).toBe(true);
    // `writ fmt --check .`, as `gofmt -l .` is run
    const dot = await writ(build, join(work, "policies"), "fmt", "--check", ".");
    expect(dot.code).toBe(1);
    expect(dot.stdout).toBe("nested/deeper/b-unformatted.writ\n");
    expect(await writ(build, work, "fmt", "-c", "clean")).toEqual({ code: 0, stdout: "", stderr: "" });
    // a directory and a file in it: the file is looked at once
    expect(await writ(build, work, "fmt", "--check", "clean", "clean/one/a.writ")).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(snapshot(files)).toEqual(before);
  }, 120_000);

  it("writ test finds the same files in the same order", async () => {
    const r = await writ(build, work, "test", "policies");
    expect(r.code).toBe(1);
    expect(r.stdout.split("\n").filter((l) => l.includes("policies/"))).toEqual(["policies/a-formatted.writ (p 1.0.0)", "✗ policies/nested/c-broken.writ: does not compile", "policies/nested/deeper/b-unformatted.writ (q 1.0.0)"]);
  }, 120_000);

  it("says a directory without a policy file is one, and fails, as writ test does", async () => {
    for (const [command, ...flags] of [["check"], ["fmt", "--check"], ["test"]]) {
      const name = `writ ${command}`;
      expect(await writ(build, work, command!, ...flags, "empty"), name).toMatchObject({ code: 1, stderr: `${name}: empty: no .writ files in it\n` });
      expect((await writ(build, work, command!, ...flags, "hidden")).stderr, name).toBe(`${name}: hidden: no .writ files in it (entries starting with \`.\` and node_modules are not searched)\n`);
      // beside a directory that has policies: still said, still a failure
      const r = await writ(build, work, command!, ...flags, "empty", "clean");
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toContain(`${name}: empty: no .writ files in it\n`);
    }
  }, 120_000);

  it("names a loop of symbolic links, fails, and still looks at the other files", async () => {
    const links = join(work, "links");
    put(join(links, "good.writ"), FORMATTED);
    put(join(links, "ugly.writ"), UNFORMATTED);
    symlinkSync("spin.writ", join(links, "spin.writ"));
    const check = await writ(build, work, "check", "links");
    expect(check.code).toBe(1);
    expect(check.stderr).toBe("writ check: links/spin.writ: too many symbolic links encountered (ELOOP)\nlinks/good.writ: 0 errors, 0 warnings\nlinks/ugly.writ: 0 errors, 0 warnings\n");
    const fmt = await writ(build, work, "fmt", "--check", "links");
    expect(fmt).toEqual({ code: 1, stdout: "links/ugly.writ\n", stderr: `writ fmt: links/spin.writ: too many symbolic links encountered (ELOOP)\n${CANONICAL_NOTE(1, 2)}` });
  }, 120_000);

  // chmod 000 denies nothing to root, which reads every directory: run as root (as CI runs), the
  // commands run as `nobody`, for whom the tree is made readable and the one directory not
  it("names a directory it may not read, fails, and still looks at the rest", async () => {
    const asRoot = process.getuid?.() === 0;
    const runAs = asRoot ? NOBODY : undefined;
    const tree = join(work, "locked-tree");
    put(join(tree, "ok.writ"), FORMATTED);
    put(join(tree, "z", "ugly.writ"), UNFORMATTED);
    mkdirSync(join(tree, "locked"));
    put(join(tree, "locked", "hidden.writ"), UNFORMATTED);
    // mkdtemp makes the temporary directories 0700 (and the test run's own, that holds them): another
    // user may enter them only once opened up; the run's own only to pass through
    if (asRoot) {
      for (const parent of new Set([dirname(build), dirname(work)])) chmodSync(parent, 0o711);
      for (const dir of [build, work, tree, join(tree, "z")]) chmodSync(dir, 0o755);
    }
    chmodSync(join(tree, "locked"), 0);
    try {
      const check = await writAs(runAs, build, work, "check", "locked-tree");
      expect(check.code).toBe(1);
      expect(check.stderr).toBe("writ check: locked-tree/locked: permission denied (EACCES)\nlocked-tree/ok.writ: 0 errors, 0 warnings\nlocked-tree/z/ugly.writ: 0 errors, 0 warnings\n");
      const fmt = await writAs(runAs, build, work, "fmt", "--check", "locked-tree");
      expect(fmt).toEqual({ code: 1, stdout: "locked-tree/z/ugly.writ\n", stderr: `writ fmt: locked-tree/locked: permission denied (EACCES)\n${CANONICAL_NOTE(1, 2)}` });
    } finally {
      chmodSync(join(tree, "locked"), 0o755); // so that the temporary directory can be removed
    }
  }, 120_000);

  // a directory readable but not searchable (0644) lists its entries, with their types, but none of
  // them can be examined: its subdirectory, as a link that loops or leads nowhere, may hold the
  // policies meant. Run as root, the commands run as `nobody`, as above.
  it("names an entry it cannot examine that may be a directory, fails, and still looks at the rest", async () => {
    const asRoot = process.getuid?.() === 0;
    const runAs = asRoot ? NOBODY : undefined;
    const tree = join(work, "unexamined");
    put(join(tree, "ok.writ"), FORMATTED);
    put(join(tree, "shut", "inner", "ugly.writ"), UNFORMATTED);
    put(join(tree, "shut", "notes.txt"), "not a policy\n");
    symlinkSync("loop", join(tree, "loop"));
    symlinkSync("nowhere", join(tree, "gone")); // leads nowhere, not named .writ: nothing to search, not said
    symlinkSync("nowhere.writ", join(tree, ".#ok.writ")); // an editor's lock file: starts with `.`, not looked at
    if (asRoot) {
      for (const parent of new Set([dirname(build), dirname(work)])) chmodSync(parent, 0o711);
      for (const dir of [build, work, tree, join(tree, "shut", "inner")]) chmodSync(dir, 0o755);
    }
    chmodSync(join(tree, "shut"), 0o644);
    try {
      const reasons = ["unexamined/loop: too many symbolic links encountered (ELOOP)", "unexamined/shut/inner: permission denied (EACCES)"];
      const said = (name: string) => reasons.map((r) => `${name}: ${r}\n`).join("");
      expect(await writAs(runAs, build, work, "check", "unexamined")).toEqual({ code: 1, stdout: "", stderr: `${said("writ check")}unexamined/ok.writ: 0 errors, 0 warnings\n` });
      expect(await writAs(runAs, build, work, "fmt", "--check", "unexamined")).toEqual({ code: 1, stdout: "", stderr: said("writ fmt") });
      const test = await writAs(runAs, build, work, "test", "unexamined");
      expect(test.code).toBe(1);
      expect(test.stderr).toBe(said("writ test"));
      expect(test.stdout).toContain("unexamined/ok.writ (p 1.0.0)\n");
    } finally {
      chmodSync(join(tree, "shut"), 0o755); // so that the temporary directory can be removed
    }
  }, 120_000);

  // a name is bytes: one that is not UTF-8, read as text, would be another (U+FFFD), a directory
  // dropped and a file "no such file"
  it("names a policy file or directory whose name is not UTF-8, escaped, fails, and still looks at the rest", async () => {
    const tree = join(work, "bytes");
    put(join(tree, "ok.writ"), FORMATTED);
    const named = (...parts: string[]) => Buffer.concat([Buffer.from(tree + "/"), ...parts.map((p) => Buffer.from(p, "latin1"))]);
    mkdirSync(named("d\xff"));
    writeFileSync(named("d\xff", "/p.writ"), UNFORMATTED);
    writeFileSync(named("x\xff.writ"), UNFORMATTED);
    writeFileSync(named("notes\xff.txt"), "not a policy, whatever its name\n");
    const said = (name: string) => ["d\\xff", "x\\xff.writ"].map((n) => `${name}: bytes/${n}: its name is not UTF-8 (\\xNN: a byte that is not); writ looks only at names that are\n`).join("");
    expect(await writ(build, work, "check", "bytes")).toEqual({ code: 1, stdout: "", stderr: `${said("writ check")}bytes/ok.writ: 0 errors, 0 warnings\n` });
    expect(await writ(build, work, "fmt", "--check", "bytes")).toEqual({ code: 1, stdout: "", stderr: said("writ fmt") });
    const test = await writ(build, work, "test", "bytes");
    expect(test.code).toBe(1);
    expect(test.stderr).toBe(said("writ test"));
  }, 120_000);

  // a name read from a directory is anyone's text: a line end in it must not forge a line of the
  // report (nor of the list fmt --check prints for a script), as writ test escapes it
  it("escapes the control characters of the names it finds, as writ test does", async () => {
    const tree = join(work, "forge");
    const a = "a\nwrit check: forged.writ: 0 errors.writ"; // listed: unformatted
    const b = "b\nwrit fmt: 0 files.writ"; // refused: not UTF-8 text
    put(join(tree, a), UNFORMATTED);
    writeFileSync(join(tree, b), Buffer.from([0xff, 0x0a]));
    symlinkSync("c\nloop", join(tree, "c\nloop")); // cannot be followed
    const shownA = "forge/a\\u000awrit check: forged.writ: 0 errors.writ";
    const refusals = (name: string) => `${name}: forge/c\\u000aloop: too many symbolic links encountered (ELOOP)\n${name}: forge/b\\u000awrit fmt: 0 files.writ:1: not UTF-8 text\n`;
    const check = await writ(build, work, "check", "forge");
    expect(check.code).toBe(1);
    const [loop, notText] = refusals("writ check").split("\n");
    expect(check.stderr).toBe(`${loop}\n${shownA}: 0 errors, 0 warnings\n${notText}\n`);
    expect(await writ(build, work, "fmt", "--check", "forge")).toEqual({ code: 1, stdout: `${shownA}\n`, stderr: `${refusals("writ fmt")}${CANONICAL_NOTE(1, 2, 1)}` });
    const test = await writ(build, work, "test", "forge");
    expect(test.code).toBe(1);
    expect(test.stderr).toBe(refusals("writ test"));
    expect(test.stdout).toContain(`\n✗ forge/b\\u000awrit fmt: 0 files.writ: does not compile\n`);
  }, 120_000);

  it("writ fmt without --check refuses a directory, pointing at --check, and writes nothing", async () => {
    const before = snapshot(files);
    const message = "writ fmt: policies: is a directory: writ fmt prints or rewrites one file; writ fmt --check policies lists the files in it not in canonical form\n";
    expect(await writ(build, work, "fmt", "policies")).toEqual({ code: 1, stdout: "", stderr: message });
    expect(await writ(build, work, "fmt", "--write", "policies")).toEqual({ code: 1, stdout: "", stderr: message });
    expect(snapshot(files)).toEqual(before);
    // a directory named as a flag is suggested after `--`, where it is not read as one, and so taken
    put(join(work, "-d", "p.writ"), UNFORMATTED);
    const dashed = await writ(build, work, "fmt", "--", "-d");
    expect(dashed).toEqual({ code: 1, stdout: "", stderr: "writ fmt: -d: is a directory: writ fmt prints or rewrites one file; writ fmt --check -- -d lists the files in it not in canonical form\n" });
    expect(await writ(build, work, "fmt", "--check", "--", "-d")).toEqual({ code: 1, stdout: "-d/p.writ\n", stderr: CANONICAL_NOTE(1, 1) });
  }, 120_000);

  it("says in the help that check and fmt --check take directories", () => {
    expect(checkCommand.usage).toContain("usage: writ check <file.writ | dir>...");
    expect(fmtCommand.usage).toContain("writ fmt --check <file.writ | dir>...");
    for (const usage of [checkCommand.usage, fmtCommand.usage]) expect(usage).toContain("A directory is searched for .writ files");
  });
});
