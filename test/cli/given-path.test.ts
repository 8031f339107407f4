// A path given on the command line names the file the operating system opens by it (cli/given-path.ts):
// `link/../p.writ`, where `link` is a symbolic link to a directory elsewhere, is `p.writ` beside the
// link's target, as `cat link/../p.writ` reads it, not the `p.writ` beside the link that `resolve`
// from node:path makes of it. Real files and real links in a temporary directory; the commands run
// through the CLI's main, in that directory.

import { existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { givenPath } from "../../runtime/given-path.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

// real paths throughout: where the temporary directory is itself reached through a link, the path
// the system gives back for a link's target is its real one
const root = realpathSync(tempDir("given-path"));
const cwd = join(root, "work");
const far = join(root, "far");

const policy = (name: string, when: string) => `policy "${name}" version "1.0.0"\n\ninput {\n  a: int\n}\n\npermit ok when ${when}\n`;

beforeAll(() => {
  // work/link → far/target, work/deeper → work/link/inner (a link through a link)
  mkdirSync(join(far, "target", "inner"), { recursive: true });
  mkdirSync(join(cwd, "sub"), { recursive: true });
  symlinkSync(join(far, "target"), join(cwd, "link"));
  symlinkSync(join(cwd, "link", "inner"), join(cwd, "deeper"));
  symlinkSync(join(root, "nowhere"), join(cwd, "dangling"));
  writeFileSync(join(cwd, "p.writ"), policy("near", "a > 0"));
  writeFileSync(join(far, "p.writ"), policy("far", "a > 1"));
  // a directory of policies of the same name on each side, one of them with an error
  mkdirSync(join(cwd, "policies"));
  mkdirSync(join(far, "policies"));
  writeFileSync(join(cwd, "policies", "q.writ"), policy("near_q", "a > 0"));
  writeFileSync(join(far, "policies", "q.writ"), policy("far_q", "a > nothing"));
});

describe("givenPath", () => {
  it("takes a `..` after a link to a directory up from the link's target, as the system does", () => {
    expect(givenPath(cwd, "link/../p.writ")).toBe(join(far, "p.writ"));
    expect(givenPath(cwd, `${cwd}/link/../p.writ`)).toBe(join(far, "p.writ"));
    // and a `..` after a name inside the link's target goes back to the target, named as given
    expect(givenPath(cwd, "link/inner/../x")).toBe(join(cwd, "link", "x"));
  });

  it("follows a link that leads through another link before going up", () => {
    expect(givenPath(cwd, "deeper/../p.writ")).toBe(join(far, "target", "p.writ"));
    expect(givenPath(cwd, "deeper/../../p.writ")).toBe(join(far, "p.writ"));
    expect(givenPath(cwd, "link/../target/inner/../../p.writ")).toBe(join(far, "p.writ"));
  });

  it("leaves a path with no `..` after a link as `resolve` gives it, links and all", () => {
    expect(givenPath(cwd, "link/inner/p.writ")).toBe(join(cwd, "link", "inner", "p.writ"));
    expect(givenPath(cwd, "sub/../p.writ")).toBe(join(cwd, "p.writ"));
    expect(givenPath(cwd, "./sub/./../p.writ")).toBe(resolve(cwd, "./sub/./../p.writ"));
    expect(givenPath(cwd, "/etc/../tmp")).toBe(resolve(cwd, "/etc/../tmp"));
    expect(givenPath(cwd, "p.writ")).toBe(join(cwd, "p.writ"));
  });

  it("leaves the part of a path that leads nowhere as `resolve` gives it", () => {
    expect(givenPath(cwd, "missing/../p.writ")).toBe(join(cwd, "p.writ"));
    expect(givenPath(cwd, "missing/link/../p.writ")).toBe(join(cwd, "missing", "p.writ"));
    expect(givenPath(cwd, "dangling/../p.writ")).toBe(join(cwd, "p.writ"));
  });

  it("leaves a `..` after a file in the path, which the system refuses, where `resolve` named the file beside it", () => {
    expect(givenPath(cwd, "p.writ/../p.writ")).toBe(`${cwd}/p.writ/../p.writ`);
    expect(givenPath(cwd, `${cwd}/p.writ/../x`)).toBe(`${cwd}/p.writ/../x`);
    // a link to a file is a file here too
    expect(givenPath(cwd, "link/../p.writ/../q")).toBe(`${cwd}/link/../p.writ/../q`);
    expect(() => realpathSync.native(givenPath(cwd, "p.writ/../p.writ"))).toThrow(/ENOTDIR/);
  });

  it("keeps a closing `/` or `/.`, which `resolve` drops, where no directory is there: the system opens such a path only as one", () => {
    expect(givenPath(cwd, "p.writ/")).toBe(`${cwd}/p.writ/`);
    expect(givenPath(cwd, "p.writ/.")).toBe(`${cwd}/p.writ/`);
    expect(givenPath(cwd, "p.writ//./")).toBe(`${cwd}/p.writ/`);
    expect(givenPath(cwd, "sub/../p.writ/")).toBe(`${cwd}/p.writ/`);
    expect(givenPath(cwd, "new/")).toBe(`${cwd}/new/`);
    expect(givenPath(cwd, "dangling/")).toBe(`${cwd}/dangling/`);
    // a directory, through a link or not, is named as `resolve` names it
    expect(givenPath(cwd, "sub/")).toBe(join(cwd, "sub"));
    expect(givenPath(cwd, "sub/.")).toBe(join(cwd, "sub"));
    expect(givenPath(cwd, "link/")).toBe(join(cwd, "link"));
    expect(givenPath(cwd, "/")).toBe("/");
    expect(() => readFileSync(givenPath(cwd, "p.writ/"))).toThrow(/ENOTDIR/);
  });

  it("names the file the system opens, in every case above", () => {
    // realpath(3) itself, given the path unjoined: `join`, and Node's own realpathSync, take a `..` away textually first
    for (const path of ["link/../p.writ", "deeper/../../p.writ", "link/../target/inner/../../p.writ", "sub/../p.writ", "link/inner/.."]) {
      expect(realpathSync.native(givenPath(cwd, path))).toBe(realpathSync.native(`${cwd}/${path}`));
    }
  });
});

describe("a command given `p.writ/../p.writ`", () => {
  it("is refused as the system refuses the path, not given the p.writ beside the file", async () => {
    const r = await runWrit(["check", "p.writ/../p.writ"], cwd);
    expect(r.code).toBe(1);
    expect(r.err).toContain("p.writ/../p.writ");
    expect(r.err).not.toContain("0 errors");
  });

  it("writes nothing where `-o p.writ/../out` would lead after a `..` taken away by text", async () => {
    const compiled = await runWrit(["compile", "p.writ", "-o", "p.writ/../from-file"], cwd);
    expect(compiled).toMatchObject({ code: 1, out: "" });
    expect(compiled.err).toBe(`writ compile: cannot create the output directory ${cwd}/p.writ/../from-file: a file is in the way`);
    const keys = await runWrit(["keygen", "-o", "p.writ/../from-file"], cwd);
    expect(keys).toMatchObject({ code: 1, out: "" });
    expect(keys.err).toContain(`cannot create the output directory ${cwd}/p.writ/../from-file: a file is in the way`);
    expect(existsSync(join(cwd, "from-file"))).toBe(false);
  });
});

describe("a command given a file's path with a closing `/` or `/.`", () => {
  it("is refused as `cat p.writ/` is (ENOTDIR), where the file was read", async () => {
    for (const path of ["p.writ/", "p.writ/."]) {
      const r = await runWrit(["check", path], cwd);
      expect(r).toMatchObject({ code: 1, out: "" });
      expect(r.err).toBe(`writ check: ${path}: not a directory (ENOTDIR)`);
    }
    const before = readFileSync(join(cwd, "p.writ"), "utf8");
    const fmt = await runWrit(["fmt", "--write", "p.writ/"], cwd);
    expect(fmt.code).toBe(1);
    expect(fmt.err).toContain("not a directory (ENOTDIR)");
    expect(readFileSync(join(cwd, "p.writ"), "utf8")).toBe(before);
  });

  it("makes no file of a path that names a directory: `-o p.writ/` is a file in the way, `--log new.jsonl/` no log", async () => {
    const compiled = await runWrit(["compile", "p.writ", "-o", "p.writ/"], cwd);
    expect(compiled).toMatchObject({ code: 1, out: "" });
    expect(compiled.err).toBe(`writ compile: cannot create the output directory ${cwd}/p.writ/: a file is in the way`);
    // a directory to be made may be given with its closing `/`, as to mkdir -p
    const made = await runWrit(["compile", "p.writ", "-o", "made/."], cwd);
    expect(made.code).toBe(0);
    expect(existsSync(join(cwd, "made", "near.wasm"))).toBe(true);
    const keys = await runWrit(["keygen", "-o", "keys"], cwd);
    expect(keys.code).toBe(0);
    const artifact = await runWrit(["authorize", "made", "-i", "-", "--key", "keys/writ.private.jwk", "--log", "new.jsonl/"], cwd, `{"a":1}`);
    expect(artifact).toMatchObject({ code: 1, out: "" });
    expect(artifact.err).toContain(`${cwd}/new.jsonl/`);
    expect(existsSync(join(cwd, "new.jsonl"))).toBe(false);
    const key = await runWrit(["authorize", "made", "-i", "-", "--key", "keys/writ.private.jwk/"], cwd, `{"a":1}`);
    expect(key).toMatchObject({ code: 1, out: "" });
    expect(key.err).toContain("not a directory (ENOTDIR)");
  });
});

describe("a command given `link/../p.writ`", () => {
  it("compiles the policy beside the link's target, not the one beside the link", async () => {
    const r = await runWrit(["compile", "link/../p.writ", "-o", "out"], cwd);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^compiled far 1\.0\.0: 1 rule /);
    expect(existsSync(join(cwd, "out", "far.wasm"))).toBe(true);
    expect(existsSync(join(cwd, "out", "near.wasm"))).toBe(false);
  });

  it("writes the bundle where `-o link/../out` leads, beside the link's target", async () => {
    const r = await runWrit(["compile", "p.writ", "-o", "link/../built"], cwd);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`wrote ${join(far, "built", "near.wasm")}`);
    expect(existsSync(join(far, "built", "near.manifest.json"))).toBe(true);
    expect(existsSync(join(cwd, "built"))).toBe(false);
  });

  it("checks the files of the directory beside the link's target, named through the link", async () => {
    const r = await runWrit(["check", "link/../policies"], cwd);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${join("link", "..", "policies", "q.writ")}: 1 error, 0 warnings`);
    const near = await runWrit(["check", "policies"], cwd);
    expect(near).toEqual({ code: 0, out: "", err: `${join("policies", "q.writ")}: 0 errors, 0 warnings` });
  });

  it("rewrites with fmt --write the file beside the link's target, leaving the other as it was", async () => {
    writeFileSync(join(far, "f.writ"), 'policy "f" version "1.0.0"\ninput { a: int }\npermit ok when a>0\n');
    const untouched = 'policy "g" version "1.0.0"\ninput { a: int }\npermit ok when a>0\n';
    writeFileSync(join(cwd, "f.writ"), untouched);
    const r = await runWrit(["fmt", "--write", "link/../f.writ"], cwd);
    expect(r).toEqual({ code: 0, out: "", err: "" });
    expect(readFileSync(join(far, "f.writ"), "utf8")).toBe(policy("f", "a > 0"));
    expect(readFileSync(join(cwd, "f.writ"), "utf8")).toBe(untouched);
  });
});
