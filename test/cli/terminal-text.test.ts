// Control characters in what the command line was given (a path holding a line end and an ANSI
// sequence) or in a file name read from a directory (an OSC that retitles the terminal) never reach
// the terminal raw, whichever command prints them; a message's own line breaks (usage, diagnostics)
// stay, text already escaped is not escaped twice, and `writ fmt` prints a policy's text as it is.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { layoutPieces, terminalText } from "../../cli/terminal-text.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { fakeBundle } from "../trust/fake-policy.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const cwd = tempDir("terminal-text");

const run = (argv: string[]) => runWrit(argv, cwd);

/** Any control character other than a line break or a tab (ESC, BEL, CR, the C1 set, bidi overrides…). */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

const NAME = "bad\nline\u001b[31mRED";
const SHOWN = "bad\\u000aline\\u001b[31mRED";

describe("terminalText", () => {
  it("escapes control characters but the text's own line breaks and tabs, and what the command line gave entirely", () => {
    expect(terminalText("a\u001b[2Jb\u0007\n\tc\r")).toBe("a\\u001b[2Jb\\u0007\n\tc\\u000d");
    expect(terminalText(`writ x: ${NAME}: no such file\n\nusage: …`, layoutPieces([NAME]))).toBe(`writ x: ${SHOWN}: no such file\n\nusage: …`);
    // a path's file name, a flag's value, a list's member, a bundle's name without its extension
    const pieces = layoutPieces([`--input=dir/${NAME}.json`, `--pub=a,b\tc`, `build/x\ny.wasm`]);
    expect(terminalText(`/cwd/dir/${NAME}.json`, pieces)).toBe(`/cwd/dir/${SHOWN}.json`);
    expect(terminalText("key file /cwd/b\tc does not exist", pieces)).toBe("key file /cwd/b\\u0009c does not exist");
    expect(terminalText("bundle manifest /cwd/build/x\ny.manifest.json is missing", pieces)).toBe("bundle manifest /cwd/build/x\\u000ay.manifest.json is missing");
  });

  it("does not escape twice", () => {
    const once = terminalText(`${NAME}\u202e`, layoutPieces([NAME]));
    expect(once).toBe(`${SHOWN}\\u202e`);
    expect(terminalText(once, layoutPieces([NAME]))).toBe(once);
  });
});

describe("paths with control characters, in every command's messages", () => {
  // what each command needs up to the path it is given: a key pair, a bundle, an artifact
  beforeAll(async () => {
    writeFileSync(join(cwd, "req.json"), '{"a": 1}');
    writeFileSync(join(cwd, `${NAME}.writ`), "policy x\n"); // a syntax error, in a file so named
    mkdirSync(join(cwd, "afile"));
    writeFileSync(join(cwd, "afile", "f"), "");
    writeFileSync(join(cwd, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
    expect((await run(["keygen", "--name", "k"])).code).toBe(0);
    expect((await run(["compile", "p.writ", "-o", "build", "--O0"])).code).toBe(0);
    const issued = await run(["authorize", "build", "--input", "req.json", "--key", "k.private.jwk"]);
    expect(issued.code).toBe(0);
    writeFileSync(join(cwd, "a.jws"), issued.out);
  }, 60_000);
  const cases = [
    ["eval", "build", "--input", NAME],
    ["eval", NAME, "--input", "req.json"],
    ["check", NAME],
    ["fmt", NAME],
    ["fmt", NAME, "--write"],
    ["compile", NAME],
    ["keygen", "-o", `afile/f/${NAME}`],
    ["sign", NAME, "--key", "k.private.jwk"],
    ["sign", "build", "--key", NAME],
    ["verify", NAME, "--pub", "k.public.jwk"],
    ["verify", "a.jws", "--pub", NAME],
    ["replay", NAME, "--input", "req.json", "--bundle", "build"],
    ["replay", "a.jws", "--input", "req.json", "--bundle", NAME],
    ["audit", "verify", NAME],
    ["audit", "head", NAME],
    ["test", NAME],
    ["bench", NAME],
    ["authorize", "build", "--input", "req.json", "--key", "k.private.jwk", "--log", `/nonexistent/${NAME}`],
    ["authorize", NAME, "--input", "req.json", "--key", "k.private.jwk"],
    [`--${NAME}`],
    ["fmt", `--${NAME}`],
  ];
  for (const argv of cases) {
    it(`writ ${JSON.stringify(argv.join(" ")).slice(1, -1)}`, async () => {
      const r = await run(argv);
      expect(r.code).toBeGreaterThan(0);
      for (const text of [r.err, r.out]) {
        expect(text).not.toMatch(RAW);
        expect(text).not.toContain("bad\nline");
      }
    });
  }

  it("and in what a command prints when it succeeds (the files it wrote)", async () => {
    const r = await run(["keygen", "-o", `keys/${NAME}`]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`private key ${join(cwd, "keys", SHOWN, "writ.private.jwk")} (mode 0600: keep it secret)`);
    expect(r.out).not.toMatch(RAW);
  });

  it("a diagnostic keeps its own lines (the caret under the source), with the file's name escaped", async () => {
    const r = await run(["check", `${NAME}.writ`]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${SHOWN}.writ:1:8: error[W0101]`);
    expect(r.err).toContain("\n1 | policy x\n  |        ^");
    expect(r.err).not.toMatch(RAW);
  });

  it("a usage text keeps its lines", async () => {
    const r = await run(["fmt"]);
    expect(r.code).toBe(2);
    expect(r.err.split("\n").length).toBeGreaterThan(3);
  });
});

describe("names read from a bundle directory", () => {
  it("are shown escaped: a file named with an OSC and a clear-screen sequence does not reach the terminal", async () => {
    // no policy is named so: the file is passed over beside a bundle, and named escaped when alone
    writeBundle(join(cwd, "multi"), fakeBundle({ name: "p" }));
    writeFileSync(join(cwd, "multi", "x\u001b]0;PWNED\u0007\u001b[2J.manifest.json"), "{}");
    const beside = await run(["eval", "multi", "--input", "req.json"]);
    expect(beside.code).toBe(1);
    expect(beside.err).toMatch(/^writ eval: bundle refused \(profile_violation\)/); // p's, read: fakeBundle's module is no module
    mkdirSync(join(cwd, "alone"));
    writeFileSync(join(cwd, "alone", "x\u001b]0;PWNED\u0007\u001b[2J.manifest.json"), "{}");
    const r = await run(["eval", "alone", "--input", "req.json"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `writ eval: no <name>.manifest.json in ${join(cwd, "alone")} (\`x\\u001b]0;PWNED\\u0007\\u001b[2J.manifest.json\` not named as a policy can be: letters, digits, \`.\`, \`_\` and \`-\`, not starting with \`.\` or \`-\`): not a bundle directory`,
    );
    expect(r.err).not.toMatch(RAW);
  });
});

describe("writ fmt's output", () => {
  it("is the policy's own text, as it is: a comment's control characters are the file's", async () => {
    const text = 'policy "p" version "1.0.0"\n\n// a \u001b[31mred\u001b[0m comment\npermit r when true\n';
    writeFileSync(join(cwd, "c.writ"), text);
    const r = await run(["fmt", "c.writ"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(text);
  });
});

describe("an argument holding a bare line break", () => {
  it("is no piece when it is only white space: every other line break of a message stays", () => {
    const pieces = layoutPieces(["eval", "nl/\n/p.writ", "--input=\t"]);
    expect(pieces).not.toContain("\n");
    expect(pieces).not.toContain("\t");
    expect(terminalText("usage: writ x\n\n  --input <file>\tthe request", pieces)).toBe("usage: writ x\n\n  --input <file>\tthe request");
    // quoted whole, or as the directory on its way, it is still escaped
    expect(terminalText("cannot read /cwd/nl/\n/p.writ", pieces)).toBe("cannot read /cwd/nl/\\u000a/p.writ");
    expect(terminalText("cannot create /cwd/nl/\n: no such file", pieces)).toBe("cannot create /cwd/nl/\\u000a: no such file");
  });

  it("leaves writ eval's JSON and the usage text as they are", async () => {
    // a directory named by a line break, and one whose name is the JSON's own layout
    for (const dir of ["nl/\n", 'js/\n  "decision"']) {
      mkdirSync(join(cwd, dir), { recursive: true });
      writeFileSync(join(cwd, dir, "p.writ"), 'policy "p" version "1.0.0"\ninput { a: int }\npermit ok when a > 0\n');
      const r = await run(["eval", `${dir}/p.writ`, "--input", "req.json"]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ decision: "allow" });
      expect(r.out).toContain('{\n  "decision": "allow"');
      const usage = await run(["eval", `${dir}/p.writ`, "extra"]);
      expect(usage.code).toBe(2);
      expect(usage.err).toContain("\n\nusage: writ eval");
      expect(usage.err).not.toContain("\\u000a");
    }
  }, 30_000);

  it("leaves --json output parseable", async () => {
    mkdirSync(join(cwd, "logs/\n"), { recursive: true });
    writeFileSync(join(cwd, "logs/\n/log.jsonl"), "");
    const r = await run(["audit", "verify", "logs/\n/log.jsonl", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, records: 0 });
  });
});
