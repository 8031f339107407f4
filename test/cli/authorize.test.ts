// `writ authorize` against real files: a compiled, signed bundle on disk, a 0600 issuer key, requests
// as JSON files. The artifact it prints verifies with `writ verify` (and the statement names the
// decision), successive runs with --log form one chain the audit command accepts, and every bad
// input is a refusal with the reason and exit 1 or 2, never an exception.

import { chmodSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { hostname } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/index.js";
import { auditCommand } from "../../cli/commands/audit.js";
import { authorizeCommand } from "../../cli/commands/authorize.js";
import { replayCommand } from "../../cli/commands/replay.js";
import { evalCommand } from "../../cli/commands/eval.js";
import { verifyCommand } from "../../cli/commands/verify.js";
import type { Command } from "../../cli/io.js";
import { signBundle } from "../../runtime/trust/bundle.js";
import { readBundle, writeBundle } from "../../runtime/trust/bundle-files.js";
import { loadPrivateKeyFile, writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { loadPolicy } from "../../runtime/policy.js";
import { tempDir } from "../support/temp-dir.js";
import { editStatement } from "../trust/lineage-fixtures.js";
import { runCommand } from "../support/cli.js";

const dir = tempDir("authorize");
const SMALL = { principal: { id: "u1", roles: ["treasurer"] }, context: { amount: 10, approvals: 0 } };
const LARGE = { principal: { id: "u1", roles: ["treasurer"] }, context: { amount: 500000, approvals: 1 } };

const run = (command: Command, args: string[], stdin = "") => runCommand(command, args, dir, stdin);

beforeAll(async () => {
  const source = readFileSync(new URL("../trust/fixtures/transfers.writ", import.meta.url), "utf8");
  const compiled = await compilePolicy(source, { fileName: "transfers.writ" });
  if (!compiled.bundle) throw new Error(compiled.diagnostics.map((d) => d.message).join("\n"));
  const authority = generateKeyPair();
  writeBundle(join(dir, "bundle"), signBundle(compiled.bundle, authority));
  writeBundle(join(dir, "unsigned"), compiled.bundle);
  writeKeyPair(dir, authority, "authority");
  writeKeyPair(dir, generateKeyPair(), "issuer");
  writeKeyPair(dir, generateKeyPair(), "stranger");
  writeFileSync(join(dir, "small.json"), JSON.stringify(SMALL));
  writeFileSync(join(dir, "large.json"), JSON.stringify(LARGE));
  writeFileSync(join(dir, "broken.json"), "{ not json");
}, 120_000);

describe("writ authorize", () => {
  it("issues an artifact that writ verify accepts, for an allow and for a deny", async () => {
    for (const [file, decision] of [["small.json", "allow"], ["large.json", "deny"]] as const) {
      const issued = await run(authorizeCommand, ["bundle", "--input", file, "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
      expect(issued.code, issued.err).toBe(0);
      expect(issued.out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(issued.err).toContain(decision);
      writeFileSync(join(dir, `${decision}.jws`), issued.out);
      const verified = await run(verifyCommand, [`${decision}.jws`, "--pub", "issuer.public.jwk", "--input", file, "--bundle", "bundle"]);
      expect(verified.code, verified.err).toBe(0);
      expect(JSON.parse(verified.out).decision).toBe(decision);
    }
  });

  it("reads the request from standard input; loads an unsigned bundle only without --pub, with a warning", async () => {
    const issued = await run(authorizeCommand, ["unsigned", "--input", "-", "--key", "issuer.private.jwk"], JSON.stringify(SMALL));
    expect(issued.code, issued.err).toBe(0);
    expect(issued.err).toMatch(/bundle is not signed/);
    const signedWithoutPub = await run(authorizeCommand, ["bundle", "--input", "small.json", "--key", "issuer.private.jwk"]);
    expect(signedWithoutPub.code).toBe(1);
    expect(signedWithoutPub.err).toMatch(/bundle refused \(untrusted_key\)/);
    const unsignedWithPub = await run(authorizeCommand, ["unsigned", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
    expect(unsignedWithPub.code).toBe(1);
  });

  it("continues one chain across runs through --log, and audit verifies it", async () => {
    const seqs: number[] = [];
    for (const file of ["small.json", "large.json", "small.json"]) {
      const issued = await run(authorizeCommand, ["bundle", "--input", file, "--key", "issuer.private.jwk", "--pub", "authority.public.jwk", "--log", "chain.jsonl"]);
      expect(issued.code, issued.err).toBe(0);
      seqs.push(Number(/sequence (\d+)/.exec(issued.err)![1]));
    }
    expect(seqs).toEqual([0, 1, 2]);
    const lines = readFileSync(join(dir, "chain.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(verifyLog(join(dir, "chain.jsonl")).ok).toBe(true);
    const audit = await run(auditCommand, ["verify", "chain.jsonl"]);
    expect(audit.code, audit.err + audit.out).toBe(0);
  });

  it("reads request, artifact and --requests files as strict UTF-8 and I-JSON", async () => {
    // a byte that is not UTF-8 would read as U+FFFD: another request than the file's
    const bytes = Buffer.from(JSON.stringify({ ...SMALL, principal: { ...SMALL.principal, id: "u1-X" } }));
    bytes[bytes.indexOf("-X") + 1] = 0xff;
    writeFileSync(join(dir, "latin1.json"), bytes);
    const base = ["--key", "issuer.private.jwk", "--pub", "authority.public.jwk"];
    expect(await run(authorizeCommand, ["bundle", "--input", "latin1.json", ...base])).toMatchObject({ code: 1, err: expect.stringMatching(/latin1\.json:1: not UTF-8 text/) });
    // an artifact file likewise
    const issued = await run(authorizeCommand, ["bundle", "--input", "small.json", ...base]);
    const artifact = Buffer.from(issued.out.trim() + "\n");
    artifact[artifact.length - 1] = 0xff;
    writeFileSync(join(dir, "latin1.jws"), artifact);
    expect(await run(verifyCommand, ["latin1.jws", "--pub", "issuer.public.jwk"])).toMatchObject({ code: 1, err: expect.stringMatching(/latin1\.jws:1: not UTF-8 text/) });
    // the audit's --requests: a member twice, and a fraction read as an integer, are refused with their line
    writeFileSync(join(dir, "chain-requests.jsonl"), `${JSON.stringify(SMALL)}\n{"principal": {"id": "u1", "id": "u2", "roles": []}, "context": {"amount": 1, "approvals": 0}}\n`);
    const audit = await run(auditCommand, ["verify", "chain.jsonl", "--replay", "bundle", "--requests", "chain-requests.jsonl"]);
    expect(audit).toMatchObject({ code: 1, err: expect.stringMatching(/chain-requests\.jsonl:2:\d+: the member "id" appears twice/) });
    // a syntax error is placed by line and column where JSON.parse gives its position
    writeFileSync(join(dir, "comma.json"), '{"principal": {"id": "u1"}\n\n  "context": {}}');
    expect(await run(authorizeCommand, ["bundle", "--input", "comma.json", ...base])).toMatchObject({ code: 1, err: expect.stringMatching(/comma\.json:3:3: not valid JSON: /) });
    // placed once, as line:column (not again as V8's offset); JSON Lines given as one request are told where a list is read
    expect((await run(authorizeCommand, ["bundle", "--input", "comma.json", ...base])).err).not.toMatch(/position/);
    writeFileSync(join(dir, "two.jsonl"), `${JSON.stringify(SMALL)}\n${JSON.stringify(SMALL)}\n`);
    expect(await run(authorizeCommand, ["bundle", "--input", "two.jsonl", ...base])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^writ authorize: two\.jsonl:2:1: not valid JSON: [^\n]*after JSON \(a request file holds one request, one JSON value; a list of them, JSON Lines or a JSON array, is what `writ bench --requests` and `writ audit verify --requests` read\)$/),
    });
    // and where it gives none (an unexpected character), at that character, on one line
    for (const [text, place] of [['{"principal": {"id": "u1",\n  "roles": ["a",]}}', "2:17"], ['{"principal": {"id": True}}', "1:22"], ["{\n 'principal': {}}", "2:2"]] as const) {
      writeFileSync(join(dir, "typo.json"), text);
      const refused = await run(authorizeCommand, ["bundle", "--input", "typo.json", ...base]);
      expect(refused).toMatchObject({ code: 1, err: expect.stringMatching(new RegExp(`^writ authorize: typo\\.json:${place}: not valid JSON: [^\\n]*$`)) });
    }
    // the audit's requests, as JSON Lines and as an array
    writeFileSync(join(dir, "typo-requests.jsonl"), `${JSON.stringify(SMALL)}\n  {"principal": {"id": "u1", "roles": [,]}}\n`); // indented: its column counts the indent
    const lines = await run(auditCommand, ["verify", "chain.jsonl", "--replay", "bundle", "--requests", "typo-requests.jsonl"]);
    expect(lines).toMatchObject({ code: 1, err: expect.stringMatching(/typo-requests\.jsonl:2:40: not valid JSON/) });
    writeFileSync(join(dir, "typo-requests.json"), `[\n${JSON.stringify(SMALL)},\n]\n`);
    const array = await run(auditCommand, ["verify", "chain.jsonl", "--replay", "bundle", "--requests", "typo-requests.json"]);
    expect(array).toMatchObject({ code: 1, err: expect.stringMatching(/typo-requests\.json:3:1: not a valid JSON array: [^\n]*$/) });
    writeFileSync(join(dir, "fraction.json"), '{"principal": {"id": "u1", "roles": ["treasurer"]}, "context": {"amount": 9.9999999999999999, "approvals": 0}}');
    expect(await run(authorizeCommand, ["bundle", "--input", "fraction.json", ...base])).toMatchObject({ code: 1, err: expect.stringMatching(/the number 9\.9999999999999999 is not exactly a JSON number; it would be read as the integer 10/) });
  });

  it("refuses bad input with the reason: usage, key, bundle signer, request, ttl, log", async () => {
    const base = ["bundle", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"];
    expect((await run(authorizeCommand, ["bundle", "--input", "small.json"])).code).toBe(2);
    expect((await run(authorizeCommand, [...base, "--bogus", "1"])).err).toMatch(/unknown option --bogus/);
    expect((await run(authorizeCommand, [...base, "--ttl", "0"])).err).toMatch(/--ttl needs a whole number of seconds from 1 to/);
    expect((await run(authorizeCommand, [...base, "--ttl", "9007199254740000"])).err).toMatch(/--ttl needs a whole number of seconds from 1 to/);
    const stranger = await run(authorizeCommand, ["bundle", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "stranger.public.jwk"]);
    expect(stranger.code).toBe(1);
    expect(stranger.err).toMatch(/bundle refused/);
    expect(stranger.out).toBe("");
    const broken = await run(authorizeCommand, ["bundle", "--input", "broken.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/not valid JSON/);
    const missing = await run(authorizeCommand, ["bundle", "--input", "small.json", "--key", "nope.jwk", "--pub", "authority.public.jwk"]);
    expect(missing.code).toBe(1);
    chmodSync(join(dir, "issuer.private.jwk"), 0o644);
    const readable = await run(authorizeCommand, base);
    chmodSync(join(dir, "issuer.private.jwk"), 0o600);
    expect(readable.code).toBe(1);
    expect(readable.out).toBe("");
    // a log that is not a lineage log: refused, and left as it was
    writeFileSync(join(dir, "notes.jsonl"), "hello\nworld\n");
    const badLog = await run(authorizeCommand, [...base, "--log", "notes.jsonl"]);
    expect(badLog.code).toBe(1);
    expect(badLog.out).toBe("");
    expect(badLog.err).toMatch(/notes\.jsonl/);
    expect(readFileSync(join(dir, "notes.jsonl"), "utf8")).toBe("hello\nworld\n");
  });
  it("says what opening the log moved aside: a record cut short, or the whole records of an incomplete batch", async () => {
    // a log of two batches of 4 (records 0..7), cut by hand after record 5: batch 1 has 2 of its 4 leaves
    const key = loadPrivateKeyFile(join(dir, "issuer.private.jwk"));
    if (!key.ok) throw new Error(key.message);
    const policy = loadPolicy(readBundle(join(dir, "unsigned")), { allowUnsigned: true });
    const path = join(dir, "batches.jsonl");
    const log = openLog(path, { fsync: "never" });
    createBatchAuthorizer({ signer: createSigner(key.key, { head: log.head().chain }), maxBatch: 4, lineage: log }).authorizeBatch(policy, Array.from({ length: 8 }, () => SMALL));
    log.close();
    const lines = readFileSync(path, "utf8").split("\n").slice(0, 6);
    const moved = lines.slice(4).map((l) => l + "\n").join("");
    writeFileSync(path, lines.map((l) => l + "\n").join(""));
    const batch = await run(authorizeCommand, ["unsigned", "--input", "small.json", "--key", "issuer.private.jwk", "--log", "batches.jsonl"]);
    expect(batch.code, batch.err).toBe(0);
    const said = /^writ authorize: batches\.jsonl: 2 whole records \((\d+) bytes\) of a batch of 4 whose write did not complete were moved to (.+), and the log continues at record 4$/m.exec(batch.err);
    expect(said, batch.err).not.toBeNull();
    expect(Number(said![1])).toBe(Buffer.byteLength(moved));
    expect(readFileSync(said![2]!, "utf8")).toBe(moved);
    expect(batch.err).not.toMatch(/torn final record|cut short/);

    // the same log, with half of a record's line after its last (the next write, cut short)
    writeFileSync(path, readFileSync(path, "utf8") + '{"seq":5,"prev":{"sha3');
    const torn = await run(authorizeCommand, ["unsigned", "--input", "small.json", "--key", "issuer.private.jwk", "--log", "batches.jsonl"]);
    expect(torn.code, torn.err).toBe(0);
    expect(torn.err).toMatch(/^writ authorize: batches\.jsonl: its last record was cut short \(22 bytes, a write interrupted by a crash\); its bytes were moved to .+, and the log continues at record 5$/m);

    // whole records of an incomplete batch and a cut record after them: the bytes are of all of them
    writeFileSync(path, lines.map((l) => l + "\n").join("") + '{"seq":6,"prev"');
    const both = await run(authorizeCommand, ["unsigned", "--input", "small.json", "--key", "issuer.private.jwk", "--log", "batches.jsonl"]);
    expect(both.code, both.err).toBe(0);
    const all = /^writ authorize: batches\.jsonl: 2 whole records of a batch of 4 whose write did not complete, and a record cut short after them \((\d+) bytes in all\), were moved to (.+), and the log continues at record 4$/m.exec(both.err);
    expect(all, both.err).not.toBeNull();
    expect(Number(all![1])).toBe(Buffer.byteLength(moved) + '{"seq":6,"prev"'.length);
    expect(readFileSync(all![2]!, "utf8")).toBe(moved + '{"seq":6,"prev"');
  });
  it("keeps a last record that lost only its final newline, says so, and continues after it", async () => {
    const args = ["bundle", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk", "--log", "unterminated.jsonl"];
    for (let i = 0; i < 3; i++) expect((await run(authorizeCommand, args)).code).toBe(0);
    const path = join(dir, "unterminated.jsonl");
    const head = (await run(auditCommand, ["head", "unterminated.jsonl"])).out.trim();
    const whole = readFileSync(path);
    truncateSync(path, whole.length - 1); // what an editor that strips the final newline leaves
    const audit = await run(auditCommand, ["verify", "unterminated.jsonl", "--pub", "issuer.public.jwk"]);
    expect(audit.code).toBe(1);
    expect(audit.err).toBe(
      "writ audit: unterminated.jsonl: record 2 unterminated: record 2 is whole, but the file ends without its final newline (every record ends with one, and only that byte is missing): no append was cut short there (not a torn write), and opening the log for writing keeps the record and writes its newline",
    );
    const issued = await run(authorizeCommand, args);
    expect(issued.code, issued.err).toBe(0);
    expect(issued.err).toMatch(/^writ authorize: unterminated\.jsonl: its last record \(2\) is whole, but the file ended without its newline: the newline was written, nothing was moved aside, and the log continues at record 3$/m);
    expect(issued.err).toMatch(/sequence 3, appended to unterminated\.jsonl/);
    expect(issued.err).not.toMatch(/cut short|torn/);
    expect(readFileSync(path).subarray(0, whole.length).equals(whole)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith("unterminated.jsonl.torn"))).toEqual([]);
    const after = await run(auditCommand, ["verify", "unterminated.jsonl", "--pub", "issuer.public.jwk", "--expect-head", head]);
    expect(after.code, after.err).toBe(0);
    expect(after.out).toMatch(/ok, 4 records/);
  });
  it("does not continue a log whose last record is forged in a key it can check: its own, or one given with --pub", async () => {
    const args = (key: string, log: string, pub = "authority.public.jwk") => ["bundle", "--input", "small.json", "--key", key, "--pub", pub, "--log", log];
    for (let i = 0; i < 2; i++) expect((await run(authorizeCommand, args("issuer.private.jwk", "forged.jsonl"))).code).toBe(0);
    const path = join(dir, "forged.jsonl");
    const lines = readFileSync(path, "utf8").trim().split("\n");
    // the last record's statement turned from allow to deny after its issuer signed it: it still chains
    lines[1] = editStatement(lines[1]!, (st) => (st.decision = "deny"));
    const edited = lines.join("\n") + "\n";
    writeFileSync(path, edited);
    const own = await run(authorizeCommand, args("issuer.private.jwk", "forged.jsonl"));
    expect(own.code).toBe(1);
    expect(own.out).toBe("");
    const issuer = loadPrivateKeyFile(join(dir, "issuer.private.jwk"));
    if (!issuer.ok) throw new Error(issuer.message);
    expect(own.err).toBe(
      `writ authorize: no artifact issued: forged.jsonl: its last record (1, sequence 1) does not verify: bad_signature: signature does not verify with key ${issuer.key.keyId}; it was changed or forged after its issuer signed it, and the log is not continued from it (\`writ audit verify forged.jsonl --pub <key>\` checks every record)`,
    );
    expect(readFileSync(path, "utf8")).toBe(edited);
    // another issuer cannot check a record of this one's without its key: given it with --pub, it does
    const other = await run(authorizeCommand, args("stranger.private.jwk", "forged.jsonl", "authority.public.jwk,issuer.public.jwk"));
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/^writ authorize: no artifact issued: forged\.jsonl: its last record \(1, sequence 1\) does not verify: bad_signature/);
    expect(readFileSync(path, "utf8")).toBe(edited);
    // without it, the record is another issuer's, left as it is (a log may pass from one key to the next)
    const passed = await run(authorizeCommand, args("stranger.private.jwk", "forged.jsonl"));
    expect(passed.code, passed.err).toBe(0);
    expect(passed.err).toMatch(/sequence 2, appended to forged\.jsonl/);
    // a log whose last record holds is continued by anyone, its issuer's key given or not
    const next = await run(authorizeCommand, args("issuer.private.jwk", "forged.jsonl", "authority.public.jwk,stranger.public.jwk"));
    expect(next.code, next.err).toBe(0);
    expect(next.err).toMatch(/sequence 3, appended to forged\.jsonl/);
  });

  it("names the lock file to remove when the log's lock names a live pid that may be no writer", async () => {
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 20000)"], { stdio: "ignore" });
    try {
      const lock = join(dir, "locked.jsonl.lock");
      writeFileSync(lock, JSON.stringify({ pid: other.pid, host: hostname(), at: "2020-01-01T00:00:00.000Z", id: "0" }));
      const issued = await run(authorizeCommand, ["bundle", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk", "--log", "locked.jsonl"]);
      expect(issued).toMatchObject({ code: 1, out: "" });
      expect(issued.err).toBe(
        `writ authorize: ${join(dir, "locked.jsonl")}: log is locked by pid ${other.pid}: another writer has it open, or the writer that took ${lock} died and its pid now belongs to another process; remove ${lock} if pid ${other.pid} is not a writer of this log`,
      );
    } finally {
      other.kill();
      await new Promise((resolve) => (other.exitCode !== null || other.signalCode !== null ? resolve(null) : other.on("exit", resolve)));
    }
  });
  it("says how to give a bundle: a policy source is compiled first, a signed bundle needs --pub, an unsigned one no --pub", async () => {
    writeFileSync(join(dir, "policy.writ"), readFileSync(new URL("../trust/fixtures/transfers.writ", import.meta.url), "utf8"));
    const source = await run(authorizeCommand, ["policy.writ", "--input", "small.json", "--key", "issuer.private.jwk"]);
    expect(source).toMatchObject({ code: 1, out: "" });
    expect(source.err).toBe(`writ authorize: ${join(dir, "policy.writ")} is a policy source, not a compiled bundle: compile it first (\`writ compile ${join(dir, "policy.writ")} -o <dir>\`) and give the bundle's directory, or its <name>.wasm`);
    const replayed = await run(replayCommand, ["allow.jws", "--input", "small.json", "--bundle", "policy.writ"]);
    expect(replayed).toMatchObject({ code: 1, err: expect.stringContaining("policy.writ is a policy source, not a compiled bundle: compile it first") });
    const audited = await run(auditCommand, ["verify", "chain.jsonl", "--replay", "policy.writ", "--requests", "small.json"]);
    expect(audited).toMatchObject({ code: 1, err: expect.stringContaining("policy.writ is a policy source, not a compiled bundle: compile it first") });
    writeFileSync(join(dir, "notes.txt"), "not a bundle");
    const other = await run(authorizeCommand, ["notes.txt", "--input", "small.json", "--key", "issuer.private.jwk"]);
    expect(other.err).toBe(`writ authorize: ${join(dir, "notes.txt")} is a file, not a bundle: give the bundle's directory, or one of its files (<name>.wasm, <name>.manifest.json, <name>.manifest.jws)`);

    const signedNoPub = await run(authorizeCommand, ["bundle", "--input", "small.json", "--key", "issuer.private.jwk"]);
    expect(signedNoPub).toMatchObject({ code: 1, out: "" });
    expect(signedNoPub.err).toMatch(/^writ authorize: bundle refused \(untrusted_key\): bundle is signed by key \S+, which is not among the 0 trusted keys: give the key that signed it with --pub <public key> \(without --pub only an unsigned bundle loads\)$/);
    const unsignedWithPub = await run(authorizeCommand, ["unsigned", "--input", "small.json", "--key", "issuer.private.jwk", "--pub", "authority.public.jwk"]);
    expect(unsignedWithPub).toMatchObject({ code: 1, out: "" });
    expect(unsignedWithPub.err).toBe(
      "writ authorize: bundle refused (unsigned): bundle is not signed, and with --pub only a bundle signed by one of its keys loads: sign it (`writ sign <bundle> --key <private key>`), or leave out --pub to use it unsigned",
    );
    expect(unsignedWithPub.err).not.toMatch(/allowUnsigned/);
    // writ eval loads a bundle the same way
    const evaluated = await run(evalCommand, ["bundle", "--input", "small.json"]);
    expect(evaluated).toMatchObject({ code: 1, err: expect.stringMatching(/^writ eval: bundle refused \(untrusted_key\): .*: give the key that signed it with --pub <public key>/) });
  });
});
