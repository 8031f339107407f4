// The asc code cache holds JavaScript that runs in the compiler, and the digests that check it sit in
// its own manifest: whoever may write the folder may edit asc.js and rewrite the digests, and
// `writ compile` then wrote, without a word, a module the installed compiler would not have (a
// payments rule that denied a negative amount allowed it). A cache that another user owns or that group or others may write, a symbolic link
// in it, and a relative WRIT_ASC_CACHE (a `.writ-cache` shipped in a checked-out repository was
// loaded when compiling from there) are now refused, with one line on standard error, and the
// compile is the ordinary one; a build creates 0755 folders and 0644 files whatever the umask (under
// `umask 000` it made a cache anyone could edit). Two installs sharing one WRIT_ASC_CACHE keep each
// other's caches (each build removed the other's). Run from a transpiled copy of the tree, with plain
// node, as an installed package runs.

import { execFile } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repositoryRoot, writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

const policyFile = join(repositoryRoot, "bench/policies/agent-governance.writ");

function run(file: string, args: string[], env: Record<string, string>, cwd?: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: { ...process.env, NODE_OPTIONS: "", ...env }, cwd, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** The running user may give files away (root): another user's cache can be made. */
const canChown = process.getuid?.() === 0;
const NOBODY = 65534;

/** Every folder and file under `dir`, itself included. */
function walk(dir: string): string[] {
  return [dir, ...readdirSync(dir).flatMap((name) => (lstatSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]))];
}

/**
 * asc.js edited, and the manifest's digests written anew to match, as anyone who may write the
 * folder can do: asc's `main` (a getter of the rewritten module's namespace) wrapped so that the
 * generated policy.ts it reads gets a function more, which the module then exports.
 */
function plant(dir: string): void {
  const file = join(dir, "asc.js");
  const text = readFileSync(file, "utf8");
  const edited = text.replace(
    /get "main"\(\) \{ return ([\w$]+); \}/,
    (_m, main: string) =>
      `get "main"() { return (argv, o) => ${main}(argv, { ...o, readFile: async (n, b) => { const s = await o.readFile(n, b); ` +
      `return n === "policy.ts" && typeof s === "string" ? s + "\\nexport function planted(): i32 { return 7; }\\n" : s; } }); }`,
  );
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
  const manifestFile = join(dir, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { digests: Record<string, string> };
  for (const name of Object.keys(manifest.digests)) manifest.digests[name] = createHash("sha256").update(readFileSync(join(dir, name))).digest("hex");
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
}

describe("the asc code cache is used only when no one else may have written it", () => {
  let build: string;
  let builder: string;
  /** a cache built in this user's folder, with the modes a build gives */
  let built: string;
  let key: string;
  /** the module an uncached compile writes */
  let uncached: string;

  const child = async (env: Record<string, string>, cwd?: string) => {
    const { stdout, stderr } = await run(process.execPath, [join(build, "test/compiler/children/asc-cache-child.js"), "cache", policyFile], env, cwd);
    return { ...(JSON.parse(stdout) as { hit: boolean; module: string }), stderr };
  };

  /** A copy of the built cache, its asc.js planted, in a new root; `root` is its folder, `dir` the cache's. */
  const plantedCopy = () => {
    const root = join(tempDir("asc-cache"), "root");
    mkdirSync(root);
    chmodSync(root, 0o755);
    cpSync(join(built, key), join(root, key), { recursive: true });
    plant(join(root, key));
    return { root, dir: join(root, key) };
  };

  beforeAll(async () => {
    build = tempDir("asc-trust");
    writeTranspiledTree(build, ["compiler", "runtime", "test/compiler/children"], { name: "writ", version: "0.0.0-test" });
    builder = join(build, "compiler/backend/asc-cache-build.js");
    built = tempDir("asc-cache");
    const r = await run(process.execPath, [builder], { WRIT_ASC_CACHE: built });
    expect(r.stdout).toMatch(/asc code cache written to /);
    [key] = readdirSync(built) as [string];
    uncached = (await child({ WRIT_ASC_CACHE: "off" })).module;
  }, 240_000);

  it("uses a planted cache that only this user may write (the boundary: as far as node_modules is trusted)", async () => {
    const { root } = plantedCopy();
    const r = await child({ WRIT_ASC_CACHE: root });
    expect({ hit: r.hit, stderr: r.stderr }).toEqual({ hit: true, stderr: "" });
    // the edit does change what is compiled: the cases below would otherwise be used to this effect
    expect(r.module).not.toBe(uncached);
  }, 120_000);

  it("refuses a cache that group or others may write, another user owns, or that holds a symbolic link, and says why", async () => {
    const cases: Record<string, { change: (root: string, dir: string) => void; says: (root: string, dir: string) => string }> = {
      "root 0777": { change: (root) => chmodSync(root, 0o777), says: (root) => `${root} is writable by group or others (mode 0777): run \`chmod -R go-w ${root}\`` },
      "root group-writable": { change: (root) => chmodSync(root, 0o775), says: (root) => `${root} is writable by group or others (mode 0775)` },
      "cache folder 0757": { change: (_root, dir) => chmodSync(dir, 0o757), says: (_root, dir) => `${dir} is writable by group or others (mode 0757)` },
      "asc.js 0666": { change: (_root, dir) => chmodSync(join(dir, "asc.js"), 0o666), says: (_root, dir) => `${join(dir, "asc.js")} is writable by group or others (mode 0666): run \`chmod go-w ${join(dir, "asc.js")}\`` },
      "manifest.json 0620": { change: (_root, dir) => chmodSync(join(dir, "manifest.json"), 0o620), says: (_root, dir) => `${join(dir, "manifest.json")} is writable by group or others (mode 0620)` },
      "everything a+rwX": {
        change: (root) => {
          for (const p of walk(root)) chmodSync(p, statSync(p).isDirectory() ? 0o777 : 0o666);
        },
        says: (root) => `${root} is writable by group or others (mode 0777)`,
      },
      "cache folder a symbolic link": {
        change: (root, dir) => {
          renameSync(dir, join(root, "elsewhere"));
          symlinkSync(join(root, "elsewhere"), dir);
        },
        says: (_root, dir) => `${dir} is a symbolic link`,
      },
      "asc.js a symbolic link": {
        change: (root, dir) => {
          renameSync(join(dir, "asc.js"), join(root, "asc.js"));
          symlinkSync(join(root, "asc.js"), join(dir, "asc.js"));
        },
        says: (_root, dir) => `${join(dir, "asc.js")} is a symbolic link`,
      },
      ...(canChown
        ? {
            "everything another user's": {
              change: (root: string) => {
                for (const p of walk(root)) chownSync(p, NOBODY, NOBODY);
              },
              says: (root: string) => `${root} is owned by uid ${NOBODY}, not by you`,
            },
            "asc.js another user's": {
              change: (_root: string, dir: string) => chownSync(join(dir, "asc.js"), NOBODY, NOBODY),
              says: (_root: string, dir: string) => `${join(dir, "asc.js")} is owned by uid ${NOBODY}, not by you`,
            },
          }
        : {}),
    };
    for (const [what, { change, says }] of Object.entries(cases)) {
      const { root, dir } = plantedCopy();
      change(root, dir);
      const r = await child({ WRIT_ASC_CACHE: root });
      expect({ what, hit: r.hit, module: r.module === uncached }).toEqual({ what, hit: false, module: true });
      // one line, naming what is at fault and why
      expect(r.stderr).toMatch(/^writ: asc code cache not used \(.*\); compiles import asc the ordinary way\n$/);
      expect({ what, said: r.stderr.includes(says(root, dir)) }).toEqual({ what, said: true });
    }
  }, 600_000);

  it("refuses a relative WRIT_ASC_CACHE rather than load the cache a checked-out repository ships", async () => {
    const repo = tempDir("repo");
    cpSync(join(built, key), join(repo, ".writ-cache", key), { recursive: true });
    chmodSync(join(repo, ".writ-cache"), 0o755);
    plant(join(repo, ".writ-cache", key));
    for (const relative of [".writ-cache", "./.writ-cache", ".writ-cache/"]) {
      const r = await child({ WRIT_ASC_CACHE: relative }, repo);
      expect({ relative, hit: r.hit, module: r.module === uncached }).toEqual({ relative, hit: false, module: true });
      expect(r.stderr).toBe(
        `writ: asc code cache not used (WRIT_ASC_CACHE is a relative path (${relative}), which would be looked for in the current directory: give an absolute path); compiles import asc the ordinary way\n`,
      );
    }
    // the same folder named by its absolute path is this user's own choice
    expect((await child({ WRIT_ASC_CACHE: join(repo, ".writ-cache") })).hit).toBe(true);

    // a build is refused too, and writes nothing where it runs
    const cwd = tempDir("cwd");
    const r = await run(process.execPath, [builder], { WRIT_ASC_CACHE: "cache" }, cwd);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^writ: no asc code cache \(WRIT_ASC_CACHE is a relative path \(cache\),/);
    expect(readdirSync(cwd)).toEqual([]);
  }, 240_000);

  it("builds 0755 folders and 0644 files whatever the umask, and uses them", async () => {
    for (const umask of ["000", "077"]) {
      const parent = tempDir("asc-cache");
      const root = join(parent, "made", "root"); // folders the build creates above the cache too
      const r = await run("bash", ["-c", `umask ${umask} && exec "$0" "$1"`, process.execPath, builder], { WRIT_ASC_CACHE: root });
      expect(r.stdout).toMatch(/asc code cache written to /);
      const modes = walk(join(parent, "made")).map((p) => [p.slice(parent.length), (statSync(p).mode & 0o7777).toString(8)]);
      expect(modes.length).toBe(2 + 1 + 11); // made/, root/, the cache's folder, its 11 files
      for (const [p, mode] of modes) expect({ umask, p, mode }).toEqual({ umask, p, mode: statSync(join(parent, p!)).isDirectory() ? "755" : "644" });
      const used = await child({ WRIT_ASC_CACHE: root });
      expect({ hit: used.hit, stderr: used.stderr, module: used.module === uncached }).toEqual({ hit: true, stderr: "", module: true });
    }
  }, 240_000);

  it("refuses to build into a root that others may write, before building", async () => {
    const root = tempDir("asc-cache");
    chmodSync(root, 0o777);
    const r = await run(process.execPath, [builder], { WRIT_ASC_CACHE: root });
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`writ: no asc code cache (${root} is writable by group or others (mode 0777)`);
    expect(readdirSync(root)).toEqual([]);
  }, 120_000);

  it("keeps the cache of another install sharing the folder while that install's files are there", async () => {
    const root = tempDir("asc-cache");
    cpSync(join(built, key), join(root, key), { recursive: true });
    // another clone: its own assemblyscript, binaryen and long, as its build recorded them
    const other = tempDir("other-install");
    const ours = JSON.parse(readFileSync(join(built, key, "manifest.json"), "utf8")) as { files: Record<string, { path: string }> };
    const files: Record<string, object> = {};
    for (const [m, recorded] of Object.entries(ours.files)) {
      const path = join(other, m, "index.js");
      mkdirSync(join(other, m), { recursive: true });
      writeFileSync(path, `// ${m} of another install\n`);
      const st = statSync(path);
      files[m] = { path, size: st.size, mtimeMs: st.mtimeMs, version: "0.28.0" };
      expect(recorded.path).not.toBe(path);
    }
    const theirs = "abcdefabcdefabcdefabcdef";
    for (const format of [2, 1]) {
      mkdirSync(join(root, theirs));
      writeFileSync(join(root, theirs, "manifest.json"), JSON.stringify({ format, key: join(root, theirs), files, digests: {} }));
      const rebuilt = await run(process.execPath, [builder], { WRIT_ASC_CACHE: root });
      expect(rebuilt.stdout).toMatch(/asc code cache written to /);
      // another Writ, of this cache format or an older one, still reads it
      expect({ format, entries: readdirSync(root).sort() }).toEqual({ format, entries: [key, theirs].sort() });
      rmSync(join(root, theirs), { recursive: true });
    }

    // once that install is gone (or reinstalled), its cache is stale for everyone
    mkdirSync(join(root, theirs));
    writeFileSync(join(root, theirs, "manifest.json"), JSON.stringify({ format: 2, key: join(root, theirs), files, digests: {} }));
    writeFileSync(join(other, "binaryen", "index.js"), "// binaryen reinstalled, of another size\n");
    await run(process.execPath, [builder], { WRIT_ASC_CACHE: root });
    expect(readdirSync(root)).toEqual([key]);
    expect(existsSync(join(root, key, "manifest.json"))).toBe(true);
  }, 360_000);
});
