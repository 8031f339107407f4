// The command line's flags: a flag that takes a value and has none is a usage error (exit 2), never
// dropped. Dropped, `--sign` gave an unsigned bundle and `--pub` skipped verification without a word;
// and a valued flag must not take the next flag as its value (`-o --O0` made a directory `--O0`).

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../cli/commands/index.js";
import { LONG_NAMES, parseArgs, unknownFlags, UsageError } from "../../cli/io.js";
import { main } from "../../cli/main.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { ADMIN_OK, fakePolicy } from "../trust/fake-policy.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

async function run(argv: string[], cwd: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await main(argv, { cwd, out: () => {}, err: (t) => err.push(t), readStdin: async () => "{}" });
  return { code, err: err.join("\n") };
}

describe("flags that take a value", () => {
  const cwd = tempDir("flags");
  it.each([
    [["compile", "p.writ", "-o", "out", "--sign"], "--sign"],
    [["compile", "p.writ", "-o", "--O0"], "-o"],
    [["eval", "bundle", "--input", "r.json", "--pub"], "--pub"],
    [["verify", "a.jws", "--pub"], "--pub"],
    [["authorize", "bundle", "--input", "r.json", "--key", "k.jwk", "--log"], "--log"],
    [["audit", "verify", "log.jsonl", "--pub"], "--pub"],
    [["bench", "p.writ", "--requests"], "--requests"],
  ])("writ %j is refused, naming the flag, exit 2", async (argv, flag) => {
    const r = await run(argv as string[], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${flag} needs a value`);
    expect(existsSync(join(cwd, "--O0"))).toBe(false);
  });

  it.each([
    [["compile", "p.writ", "-o", ""], "-o needs a value"],
    [["compile", "p.writ", "-o="], "-o needs a value"],
    [["keygen", "-o="], "-o needs a value"],
    [["fmt", "p.writ", "--write=false"], "--write takes no value"],
    [["compile", "p.writ", "--O0=no"], "--O0 takes no value"],
    [["compile", "p.writ", "--emit", "wat"], "--emit takes `ir`"],
  ])("writ %j is refused rather than read as something else, exit 2", async (argv, message) => {
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1"\ninput { a: int }\npermit ok\n');
    const r = await run(argv as string[], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(existsSync(join(cwd, "p.wasm"))).toBe(false); // nothing written into the current directory
  });

  it("says what is wrong with --backend, and which version it is", async () => {
    const r = await run(["eval", "p.writ", "--input", "r.json", "--backend", "js"], cwd);
    expect(r).toMatchObject({ code: 2, err: "writ eval: --backend is wasm or interp, not `js`" });
    const out: string[] = [];
    expect(await main(["--version"], { cwd, out: (t) => out.push(t), err: () => {}, readStdin: async () => "" })).toBe(0);
    expect(out).toEqual([`writ ${JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")).version}`]);
    // -V too
    const short: string[] = [];
    expect(await main(["-V"], { cwd, out: (t) => short.push(t), err: () => {}, readStdin: async () => "" })).toBe(0);
    expect(short).toEqual(out);
  });

  it("says an error of its own, one no command turned into a message, as an internal error, exit 70", async () => {
    // standard output that throws what no environment failure is: a bug reaching the top
    const err: string[] = [];
    const broken = { cwd, out: () => { throw new Error("a bug"); }, err: (t: string) => err.push(t), readStdin: async () => "" };
    expect(await main(["--version"], broken)).toBe(70);
    expect(err.join("\n")).toMatch(/^writ: internal error: Error: a bug/);
  });

  it("refuses a command it does not have as bad usage, exit 2, naming it and listing the commands", async () => {
    const out: string[] = [];
    const err: string[] = [];
    expect(await main(["bogus", "p.writ"], { cwd, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => "" })).toBe(2);
    expect(out).toEqual([]);
    expect(err.join("\n")).toMatch(/^writ: unknown command `bogus`\n\n[^]*\bcompile\b[^]*\baudit\b/);
  });

  it("says so when an unsigned compile takes an old signature away", async () => {
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1"\ninput { a: int }\npermit ok\n');
    writeKeyPair(cwd, generateKeyPair(), "author");
    const compile = async (...extra: string[]) => {
      const out: string[] = [];
      const code = await main(["compile", "p.writ", "-o", "signed", "--O0", ...extra], { cwd, out: (t) => out.push(t), err: () => {}, readStdin: async () => "" });
      return { code, out: out.join("\n") };
    };
    expect((await compile("--sign", "author.private.jwk")).code).toBe(0);
    const unsigned = await compile();
    expect(unsigned.code).toBe(0);
    expect(unsigned.out).toContain(`removed ${join(cwd, "signed", "p.manifest.jws")} (it signed the manifest this one replaces`);
    expect(existsSync(join(cwd, "signed", "p.manifest.jws"))).toBe(false);
    expect((await compile()).out).not.toContain("removed");
  }, 60_000);

  it("refuses an option given twice, naming it", async () => {
    const r = await run(["verify", "a.jws", "--pub", "a.jwk", "--pub", "b.jwk"], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--pub is given twice");
  });

  it.each([
    [["eval", "bundle", "-i", "a.json", "--input", "b.json"], "-i", "--input"],
    [["eval", "bundle", "--input=a.json", "-i", "b.json"], "--input", "-i"],
    [["authorize", "bundle", "-i", "a.json", "--input", "b.json", "--key", "k.jwk"], "-i", "--input"],
    [["replay", "a.jws", "--input", "a.json", "-i", "b.json", "--bundle", "bundle"], "--input", "-i"],
    [["verify", "a.jws", "--pub", "a.jwk", "-i", "a.json", "--input", "b.json"], "-i", "--input"],
    [["compile", "p.writ", "-o", "a", "--out", "b"], "-o", "--out"],
    [["keygen", "--out", "a", "-o", "b"], "--out", "-o"],
    [["sign", "bundle", "-k", "a.jwk", "--key", "b.jwk"], "-k", "--key"],
    [["fmt", "p.writ", "-w", "--write"], "-w", "--write"],
  ])("refuses an option given once by its short name and once by its long one: writ %j, exit 2", async (argv, first, again) => {
    const r = await run(argv as string[], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${first} and ${again} name one option, which is given twice`);
    expect(existsSync(join(cwd, "a"))).toBe(false);
  });

  it("reads a negative number as a value, for the command to judge", () => {
    expect(parseArgs(["x", "--skew", "-5"]).flags.get("skew")).toBe("-5");
  });

  it("still reads values given with `=`, `-` for standard input, and boolean flags anywhere", () => {
    expect(parseArgs(["--input", "-", "x"]).flags.get("input")).toBe("-");
    expect(parseArgs(["--sign=k.jwk"]).flags.get("sign")).toBe("k.jwk");
    const p = parseArgs(["p.writ", "--O0", "-o", "out"], ["O0"]);
    expect([p.flags.get("O0"), p.flags.get("o"), p.positional]).toEqual([true, "out", ["p.writ"]]);
    expect(() => unknownFlags(parseArgs(["p.writ", "-o"]), ["o"])).toThrow(UsageError);
    expect(unknownFlags(parseArgs(["p.writ", "--bogus"]), ["o"])).toEqual(["--bogus"]); // unknown first
  });
});

describe("short names", () => {
  // each run in a directory of its own: `keygen -o v` writes a key pair there
  const fresh = () => tempDir("flags-short");

  it.each(commands.map((c) => [c.name]))("writ %s takes each option of LONG_NAMES by both names, or by neither, and its --help lists both", async (name) => {
    const start = name === "audit" ? ["audit", "verify", "nonexistent"] : [name, "nonexistent"];
    const usage = commands.find((c) => c.name === name)!.usage;
    for (const [short, long] of LONG_NAMES) {
      const byLong = await run([...start, `--${long}`, "v"], fresh());
      const byShort = await run([...start, `-${short}`, "v"], fresh());
      const knows = { [`--${long}`]: !byLong.err.includes(`unknown option --${long}`), [`-${short}`]: !byShort.err.includes(`unknown option -${short}\n`) };
      expect(knows, `${byLong.err}\n${byShort.err}`).toEqual({ [`--${long}`]: knows[`--${long}`], [`-${short}`]: knows[`--${long}`] });
      expect(byShort.code, byShort.err).toBe(byLong.code);
      // the help's list of options gives an option it takes by both its names, as `-o, --out <dir>`
      const listed = new RegExp(`^  -${short}, --${long}\\b`, "m").test(usage);
      expect(listed, `writ ${name} --help lists -${short}, --${long}:\n${usage}`).toBe(knows[`--${long}`]);
    }
  }, 60_000);

  it("writ authorize takes -k for --key, as writ sign does", async () => {
    const cwd = fresh();
    writeKeyPair(cwd, generateKeyPair(), "issuer");
    for (const argv of [["authorize", "no-bundle", "-i", "r.json", "-k", "issuer.private.jwk"], ["sign", "no-bundle", "-k", "issuer.private.jwk"]]) {
      const r = await run(argv, cwd);
      // past the key, at the bundle, which is not there
      expect(r, argv[0]).toEqual({ code: 1, err: `writ ${argv[0]}: bundle directory ${join(cwd, "no-bundle")} does not exist` });
    }
    expect(await run(["authorize", "no-bundle", "-i", "r.json", "-k", "absent.jwk"], cwd)).toEqual({ code: 1, err: `writ authorize: key file ${join(cwd, "absent.jwk")} does not exist` });
  });
});

describe("a command line a command cannot run", () => {
  const cwd = tempDir("flags-lines");

  it("writ alone prints its help on standard error, exit 2, as every usage error; writ --help on standard output, exit 0", async () => {
    const alone = await runWrit([], cwd);
    expect(alone.code).toBe(2);
    expect(alone.out).toBe("");
    expect(alone.err).toMatch(/^writ — compile, check, test and evaluate Writ policies/);
    for (const asked of ["--help", "-h", "help"]) expect(await runWrit([asked], cwd), asked).toEqual({ code: 0, out: alone.err, err: "" });
  });

  it.each(commands.map((c) => [c.name, c]))("writ %s names an unknown option and shows its usage, exit 2", async (name, command) => {
    const start = name === "audit" ? ["audit", "verify", "log.jsonl"] : [name, "p.writ"];
    expect(await run([...start, "--bogus"], cwd)).toEqual({ code: 2, err: `writ ${name}: unknown option --bogus\n\n${command.usage}` });
    expect(await run([...start, "-x", "1"], cwd)).toEqual({ code: 2, err: `writ ${name}: unknown option -x\n\n${command.usage}` });
  });

  it.each([
    [["verify", "a.jws", "-pub", "k.jwk"], "-pub (an option of more than one letter takes two dashes: --pub)"],
    [["authorize", "b", "-input", "r.json", "-k", "k.jwk"], "-input (an option of more than one letter takes two dashes: --input)"],
    [["compile", "p.writ", "-O0"], "-O0 (an option of more than one letter takes two dashes: --O0)"],
    [["eval", "p.writ", "--i", "r.json"], "--i (a one-letter option takes one dash: -i)"],
    [["fmt", "p.writ", "-wc"], "-wc (one-letter options are given one at a time, each with its own dash: -w … -c)"],
    [["authorize", "b", "-ik", "r.json"], "-ik (one-letter options are given one at a time, each with its own dash: -i … -k)"],
    [["verify", "a.jws", "-pubx", "k.jwk"], "-pubx (did you mean --pub?)"],
    [["verify", "a.jws", "-pubxyz", "k.jwk"], "-pubxyz"],
    [["compile", "p.writ", "-ok"], "-ok (`-o` is an option of this command, given alone: `-o` and its value, then the next option; `k` is no option of it)"],
    [["eval", "p.writ", "-ireq.json"], "-ireq.json (`-i` is an option of this command, given alone: `-i` and its value, then the next option; `req.json` is no option of it)"],
    [["verify", "a.jws", "---pub", "k.jwk"], "---pub (an option of more than one letter takes two dashes: --pub)"],
  ])("writ %j is refused for its dashes, never taken for the option it names", async (argv, shown) => {
    const command = commands.find((c) => c.name === argv[0])!;
    expect(await run(argv, cwd)).toEqual({ code: 2, err: `writ ${argv[0]}: unknown option ${shown}\n\n${command.usage}` });
  });

  it.each([
    [["compile", "p.writ", "--ouy", "out"], "--ouy (did you mean --out?)"],
    [["authorize", "b", "-i", "r.json", "-k", "k.jwk", "--lgo", "l.jsonl"], "--lgo (did you mean --log?)"],
    [["verify", "a.jws", "--pbu", "k.jwk"], "--pbu (did you mean --pub?)"],
    [["fmt", "p.writ", "--wirte"], "--wirte (did you mean --write?)"],
    [["eval", "p.writ", "-i", "r.json", "--inptu", "r.json"], "--inptu (did you mean --input?)"],
  ])("writ %j is refused naming the nearest option the command takes", async (argv, shown) => {
    const command = commands.find((c) => c.name === argv[0])!;
    expect(await run(argv, cwd)).toEqual({ code: 2, err: `writ ${argv[0]}: unknown option ${shown}\n\n${command.usage}` });
  });

  it.each([
    [["authorize", "b", "-i", "r.json", "-k", "-"], "-k"],
    [["sign", "b", "--key", "-"], "--key"],
    [["compile", "p.writ", "--sign", "-"], "--sign"],
    [["compile", "p.writ", "-o", "-"], "-o"],
    [["keygen", "--out", "-"], "--out"],
    [["verify", "a.jws", "--pub", "-"], "--pub"],
    [["replay", "a.jws", "-i", "r.json", "--bundle", "-"], "--bundle"],
    [["audit", "verify", "log.jsonl", "--replay", "-"], "--replay"],
    [["sign", "b", "-k", "k.jwk", "--source", "-"], "--source"],
  ])("writ %j is refused: `-` names no file for %s, which reads or writes no standard stream", async (argv, option) => {
    const command = commands.find((c) => c.name === argv[0])!;
    const r = await run(argv, cwd);
    expect(r).toEqual({ code: 2, err: `writ ${argv[0]}: ${option} - names no file: \`-\` is standard input or output, which ${option} does not read or write (a file named \`-\` is ./-)\n\n${command.usage}` });
    expect(existsSync(join(cwd, "-"))).toBe(false);
  });

  it.each(commands.filter((c) => c.name !== "keygen").map((c) => [c.name, c]))("writ %s alone says what is missing, then its usage, exit 2", async (name, command) => {
    const r = await run([name], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^writ ${name}: missing \\S.*\n\n`));
    expect(r.err.endsWith(`\n\n${command.usage}`)).toBe(true);
  });

  it.each([
    [["compile", "a.writ", "b.writ"], "unexpected argument `b.writ`: writ compile takes one <file.writ>"],
    [["fmt", "a.writ", "b.writ", "--write"], "unexpected argument `b.writ`: writ fmt takes one <file.writ>"],
    [["keygen", "keys"], "unexpected argument `keys`: writ keygen takes options only"],
    [["eval", "p.writ", "q.writ", "--input", "r.json"], "unexpected argument `q.writ`: writ eval takes one <file.writ | bundle dir>"],
    [["verify", "a.jws", "b.jws", "--pub", "k.jwk"], "unexpected argument `b.jws`: writ verify takes one <artifact file | - | bundle>"],
    [["audit", "head", "a.jsonl", "b.jsonl"], "unexpected argument `b.jsonl`: writ audit head takes one <log>"],
    [["verify", "a.jws"], "--pub is required"],
    [["eval", "p.writ"], "--input is required"],
    [["sign", "build"], "--key is required"],
    [["authorize", "build", "-i", "r.json"], "--key is required"],
    [["authorize", "build", "-k", "k.jwk"], "--input is required"],
    [["replay", "a.jws", "--input", "r.json"], "--bundle is required"],
    [["audit", "check", "log.jsonl"], "`check` is neither `verify` nor `head`"],
    [["audit"], "missing `verify` or `head`"],
    [["check"], "missing <file.writ | dir>"],
    [["test"], "missing <file.writ | dir>"],
  ])("writ %j says what is wrong: %s", async (argv, problem) => {
    const command = commands.find((c) => c.name === argv[0])!;
    expect(await run(argv, cwd)).toEqual({ code: 2, err: `writ ${argv[0]}: ${problem}\n\n${command.usage}` });
  });
});

describe("keys and times on the command line", () => {
  const cwd = tempDir("flags-keys");
  const key = generateKeyPair();
  writeKeyPair(cwd, key, "issuer");
  const { artifact } = authorize(fakePolicy(), ADMIN_OK, { signer: createSigner(key) });
  writeFileSync(join(cwd, "a.jws"), artifact);

  it("refuses --pub with an empty entry (an unset variable), which would trust fewer keys than asked, as a usage error", async () => {
    for (const pub of [",", "issuer.public.jwk,"]) {
      const r = await run(["verify", "a.jws", "--pub", pub], cwd);
      expect(r.code, pub).toBe(2);
      expect(r.err).toContain("--pub lists an empty key file name");
      // read before the bundle: the command stops there, as for an empty path
      const a = await run(["authorize", "no-bundle", "--input", "r.json", "--key", "issuer.private.jwk", "--pub", pub], cwd);
      expect(a, pub).toMatchObject({ code: 2, err: expect.stringContaining("writ authorize: --pub lists an empty key file name") });
    }
    // empty altogether, it is no value (as for every option)
    expect(await run(["verify", "a.jws", "--pub", ""], cwd)).toMatchObject({ code: 2, err: expect.stringContaining("--pub needs a value") });
    expect((await run(["verify", "a.jws", "--pub", "issuer.public.jwk"], cwd)).code).toBe(0);
  });

  it("takes --at as ISO 8601 only (`1` is not the year 2001)", async () => {
    for (const at of ["1", "0", "yesterday", "2026-13-01T00:00:00Z"]) {
      const r = await run(["verify", "a.jws", "--pub", "issuer.public.jwk", "--at", at], cwd);
      expect(r.code, at).toBe(2);
      expect(r.err).toContain("is not an ISO 8601 time");
    }
    const now = new Date().toISOString();
    expect((await run(["verify", "a.jws", "--pub", "issuer.public.jwk", "--at", now], cwd)).code).toBe(0);
    expect((await run(["verify", "a.jws", "--pub", "issuer.public.jwk", "--at", now.slice(0, 10)], cwd)).code).toBe(1); // midnight: before iat
  });

  it("refuses an --at day its month does not have (Date rolls 2026-11-31 over to 2026-12-01), exit 2", async () => {
    for (const [at, month, day] of [["2026-11-31", "2026-11", "31"], ["2026-02-29", "2026-02", "29"], ["2026-04-31T12:00:00Z", "2026-04", "31"], ["2100-02-29T00:00", "2100-02", "29"]]) {
      const r = await run(["verify", "a.jws", "--pub", "issuer.public.jwk", "--at", at!], cwd);
      expect(r, at).toEqual({ code: 2, err: `writ verify: --at \`${at}\` is not a date of the calendar: ${month} has no day ${day}` });
    }
    // a leap day is one; the artifact, issued now, is not yet valid then, and the refusal says when "now" was
    const leap = await run(["verify", "a.jws", "--pub", "issuer.public.jwk", "--at", "2024-02-29T12:00:00+01:00"], cwd);
    expect(leap.code).toBe(1);
    expect(leap.err).toMatch(/^writ verify: refused \(not_yet_valid\): artifact is issued for \S+, in the future \(now 2024-02-29T11:00:00\.000Z\)$/);
  });

  it("refuses a request file with a member twice or an integer JSON would round, naming where", async () => {
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1"\ninput { a: int }\npermit x when a > 0\n');
    writeFileSync(join(cwd, "dup.json"), '{"a": 1,\n "a": 2}');
    const dup = await run(["eval", "p.writ", "--input", "dup.json"], cwd);
    expect([dup.code, dup.err]).toEqual([1, 'writ eval: dup.json:2:2: the member "a" appears twice in one object (JSON.parse keeps the last; other readers may keep the first)']);
    writeFileSync(join(cwd, "big.json"), '{"a": 9007199254740993}');
    const big = await run(["bench", "p.writ", "--requests", "big.json"], cwd); // reads its requests first
    expect(big.code).toBe(1);
    expect(big.err).toMatch(/^writ bench: big\.json:1:7: the integer 9007199254740993 is beyond ±\(2\^53 − 1\), where JSON numbers stop being exact/);
  });

  it("refuses --pub with a .writ source, which has no signature to check, as bad usage (exit 2)", async () => {
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1"\ninput { a: int }\npermit x when a > 0\n');
    writeFileSync(join(cwd, "r.json"), '{"a": 1}');
    const r = await run(["eval", "p.writ", "--input", "r.json", "--pub", "issuer.public.jwk"], cwd);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--pub verifies a signed bundle directory");
  });
});

