// Options the commands could not use are refused, never ignored: an option that does not apply to
// what was named (`--at` for a bundle), and a value that is not what the option takes, are usage
// errors (exit 2) naming the option.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_TTL_SECONDS } from "../../runtime/trust/authorize.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

const cwd = tempDir("option-checks");
const run = (argv: string[]) => runWrit(argv, cwd);

beforeAll(async () => {
  const authority = generateKeyPair();
  writeKeyPair(cwd, authority, "authority");
  writeKeyPair(cwd, generateKeyPair(), "issuer");
  writeBundle(join(cwd, "bundle"), signBundle(await compiledBundle(), authority));
  writeFileSync(join(cwd, "admin.json"), JSON.stringify({ principal: { role: "admin" }, amount: 10 }));
}, 60_000);

describe("writ verify <bundle>", () => {
  it("refuses the options that judge an artifact, naming them, exit 2", async () => {
    const r = await run(["verify", "bundle", "--pub", "authority.public.jwk", "--input", "nonexistent.json", "--allow", "--at", "not-a-time", "--skew", "5", "--bundle", "other"]);
    expect(r).toEqual({
      code: 2,
      out: "",
      err: "writ verify: --input, --allow, --at, --skew, --bundle check an artifact, and bundle is a bundle, verified against --pub alone: leave them out",
    });
    // one of them, by its short name, and a bundle named by one of its files
    expect(await run(["verify", "bundle/payments.wasm", "-i", "admin.json", "--pub", "authority.public.jwk"])).toEqual({
      code: 2,
      out: "",
      err: "writ verify: -i checks an artifact, and bundle/payments.wasm is a bundle, verified against --pub alone: leave it out",
    });
    // without them the bundle verifies
    const verified = await run(["verify", "bundle", "--pub", "authority.public.jwk"]);
    expect(verified.code, verified.err).toBe(0);
    expect(verified.out).toMatch(/^bundle payments 1\.0\.0 verified: signed by /);
  });
});

describe("writ authorize --ttl", () => {
  const authorize = (ttl: string) => run(["authorize", "bundle", "--input", "admin.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk", "--ttl", ttl]);

  it("takes seconds in decimal digits only, as every count the CLI takes (not 0x10, 1e3, ` 7`, 2.0), exit 2", async () => {
    for (const ttl of ["0x10", "1e3", " 7", "2.0", "+5", "1_000"]) {
      expect(await authorize(ttl), JSON.stringify(ttl)).toEqual({
        code: 2,
        out: "",
        err: `writ authorize: --ttl needs a whole number of seconds from 1 to ${MAX_TTL_SECONDS} (a hundred years) in decimal digits, got \`${ttl}\``,
      });
    }
    const issued = await authorize("60");
    expect(issued.code, issued.err).toBe(0);
    const statement = JSON.parse(Buffer.from(issued.out.split(".")[1]!, "base64url").toString("utf8"));
    expect(statement.exp - statement.iat).toBe(60);
    // without --ttl, 300 seconds, as the README says
    const byDefault = await run(["authorize", "bundle", "--input", "admin.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
    expect(byDefault.code, byDefault.err).toBe(0);
    const defaulted = JSON.parse(Buffer.from(byDefault.out.split(".")[1]!, "base64url").toString("utf8"));
    expect(defaulted.exp - defaulted.iat).toBe(300);
  });
});

describe("--pub of eval and bench", () => {
  it("takes several keys as a,b, as the refusal of --pub given twice says", async () => {
    const twice = await run(["eval", "bundle", "--input", "admin.json", "--pub", "issuer.public.jwk", "--pub", "authority.public.jwk"]);
    expect(twice).toEqual({
      code: 2,
      out: "",
      err: "writ eval: --pub is given twice (--pub takes several keys as one list: --pub a.jwk,b.jwk) (writ eval --help shows the options)",
    });
    const listed = await run(["eval", "bundle", "--input", "admin.json", "--pub", "issuer.public.jwk,authority.public.jwk"]);
    expect(listed.code, listed.err).toBe(0);
    expect(JSON.parse(listed.out).decision).toBe("allow");
    writeFileSync(join(cwd, "admin.jsonl"), `${JSON.stringify({ principal: { role: "admin" }, amount: 10 })}\n`);
    const bench = await run(["bench", "bundle", "--requests", "admin.jsonl", "--rounds", "1", "--json", "--pub", "issuer.public.jwk,authority.public.jwk"]);
    expect(bench.code, bench.err).toBe(0);
    expect(JSON.parse(bench.out).requests.allowed).toBe(1);
  });

  it("refuses a bundle none of the keys signed, and an empty name in the list as every --pub does", async () => {
    const stranger = await run(["eval", "bundle", "--input", "admin.json", "--pub", "issuer.public.jwk"]);
    expect(stranger.code).toBe(1);
    expect(stranger.err).toMatch(/^writ eval: bundle refused \(untrusted_key\)/);
    for (const argv of [["eval", "bundle", "--input", "admin.json"], ["bench", "bundle", "--requests", "admin.jsonl"]]) {
      expect(await run([...argv, "--pub", "authority.public.jwk,"])).toEqual({
        code: 2,
        out: "",
        err: `writ ${argv[0]}: --pub lists an empty key file name (\`authority.public.jwk,\`)`,
      });
    }
  });

  it("says of any other option given twice that it takes one value", async () => {
    expect(await run(["eval", "bundle", "--input", "a.json", "--input", "b.json"])).toMatchObject({ code: 2, err: "writ eval: --input is given twice (an option takes one value) (writ eval --help shows the options)" });
  });
});

describe("numbers past what a number holds", () => {
  const huge = "9".repeat(400); // Infinity, read with Number()

  it("--skew: refused as bad usage naming it, not passed on as an artifact's fault or rounded", async () => {
    const issued = await run(["authorize", "bundle", "--input", "admin.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
    expect(issued.code, issued.err).toBe(0);
    writeFileSync(join(cwd, "allow.jws"), issued.out);
    for (const skew of [huge, "99999999999999999999", "9007199254740992", "1e3", "-5", "abc"]) {
      expect(await run(["verify", "allow.jws", "--pub", "issuer.public.jwk", "--skew", skew]), skew.slice(0, 20)).toEqual({
        code: 2,
        out: "",
        err: `writ verify: --skew takes a whole number of seconds from 0 to ${Number.MAX_SAFE_INTEGER} in decimal digits, not \`${skew}\``,
      });
    }
    // the largest one taken: an artifact long expired is then still within the window
    for (const skew of ["0", String(Number.MAX_SAFE_INTEGER)]) {
      const r = await run(["verify", "allow.jws", "--pub", "issuer.public.jwk", "--skew", skew, "--at", "2200-01-01"]);
      expect(r.code, `${skew}: ${r.err}`).toBe(skew === "0" ? 1 : 0);
    }
  });

  it("every other numeric option refuses it too, naming itself, exit 2", async () => {
    const cases: [string[], string][] = [
      [["authorize", "bundle", "--input", "admin.json", "--key", "issuer.private.jwk", "--ttl", huge], "--ttl"],
      [["bench", "bundle", "--rounds", huge], "--rounds"],
      [["bench", "bundle", "--time-limit", huge], "--time-limit"],
      [["check", "p.writ", "--max-cost", huge], "--max-cost"],
      [["audit", "verify", "log.jsonl", "--expect-head", `${huge}:${"0".repeat(128)}`], "--expect-head"],
    ];
    writeFileSync(join(cwd, "log.jsonl"), "");
    for (const [argv, option] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(" ").slice(0, 60)).toBe(2);
      expect(r.err).toMatch(new RegExp(`^writ ${argv[0]}: ${option} `));
    }
  });
});
