// JSON from outside is bounded before JSON.parse builds it, as a user meets it (plain node on a
// transpiled copy of the tree, files on disk): a request nested past MAX_JSON_DEPTH, or holding more
// values than any request, is refused at the bracket or value past the bound, as `file:line:column:
// why`, exit 1, whether it is one request (`--input`) or one of a list (`--requests`, JSON Lines or
// a JSON array); a list of more requests, or more values in all, than REQUEST_BOUNDS allows is
// refused at the first past them, before any is parsed. A bundle's manifest, an artifact's JWS header
// and a lineage log's line nested past MAX_JSON_DEPTH are refused unparsed too, and a log's line
// longer than any record. Each file is just past its bound: what is asserted is the refusal, not
// how long the text would have taken to parse.

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REQUEST_BOUNDS } from "../../cli/commands/request-json.js";
import { MAX_JSON_DEPTH } from "../../runtime/json-bounds.js";
import { MAX_SNAPSHOT_VALUES } from "../../runtime/request.js";
import { base64urlEncode, utf8Encode } from "../../runtime/crypto/base64url.js";
import { loadPolicy } from "../../runtime/policy.js";
import { authorize } from "../../runtime/trust/authorize.js";
import { writeBundle } from "../../runtime/trust/bundle-files.js";
import { writeKeyPair } from "../../runtime/trust/key-files.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { openLog } from "../../runtime/trust/lineage.js";
import { LONGEST_RECORD } from "../../runtime/trust/lineage-record.js";
import { createSigner } from "../../runtime/trust/signer.js";
import { compiledBundle } from "../support/compiled-bundle.js";
import { writeTranspiledTree } from "../support/transpiled-tree.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("json-bounds");
let build: string;

/** `writ <args>` in a process of its own, in `dir`, with `input` on standard input. */
function writ(args: string[], input = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(build, "cli/writ.js"), ...args], { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 120_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
    });
    child.stdin!.end(input);
  });
}

/** `levels` arrays, one inside the other */
const nested = (levels: number): string => "[".repeat(levels) + "]".repeat(levels);
const TOO_DEEP = `arrays and objects nested more than ${MAX_JSON_DEPTH} levels deep`;
const REQUEST = { principal: { role: "admin" }, amount: 10 };
/** a request whose `principal` holds `levels` levels: the request's own object is one more */
const requestNesting = (levels: number): string => `{"principal": ${nested(levels)}, "amount": 1}`;

beforeAll(async () => {
  build = tempDir("json-bounds-build");
  writeTranspiledTree(build, ["compiler", "runtime", "cli"], { name: "writ", version: "0.0.0-test" });
  writeFileSync(join(dir, "p.writ"), 'policy "p" version "1.0.0"\ninput { principal: { role: string }, amount: int }\npermit ok when amount > 0\n');
  const bundle = await compiledBundle();
  writeBundle(join(dir, "build"), bundle);
  const policy = loadPolicy(bundle, { allowUnsigned: true });
  const log = openLog(join(dir, "log.jsonl"));
  authorize(policy, REQUEST, { signer: createSigner(generateKeyPair()), lineage: log });
  log.close();
  writeKeyPair(dir, generateKeyPair(), "writ");
}, 120_000);

describe("a request (--input)", () => {
  it("nested MAX_JSON_DEPTH levels is decided; one level more is refused at the bracket past them, exit 1", async () => {
    writeFileSync(join(dir, "deepest.json"), requestNesting(MAX_JSON_DEPTH - 1));
    const decided = await writ(["eval", "p.writ", "--input", "deepest.json"]);
    expect(decided.code).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({ decision: "deny", errors: [{ code: "invalid_request", path: "principal" }] });

    writeFileSync(join(dir, "deep.json"), `\n  ${requestNesting(MAX_JSON_DEPTH)}`);
    // `{"principal": ` then the arrays: the one past the bound is the MAX_JSON_DEPTH-th
    expect(await writ(["eval", "p.writ", "--input", "deep.json"])).toEqual({ code: 1, stdout: "", stderr: `writ eval: deep.json:2:${2 + 14 + MAX_JSON_DEPTH}: ${TOO_DEEP}, deeper than any request\n` });
    const piped = await writ(["eval", "p.writ", "--input", "-"], requestNesting(MAX_JSON_DEPTH));
    expect(piped).toEqual({ code: 1, stdout: "", stderr: `writ eval: standard input:1:${14 + MAX_JSON_DEPTH}: ${TOO_DEEP}, deeper than any request\n` });
  });

  it("holding more values than any request is refused at the first past REQUEST_BOUNDS.values, exit 1", async () => {
    expect(REQUEST_BOUNDS.values).toBeGreaterThan(MAX_SNAPSHOT_VALUES);
    // the object, `principal`'s array and its zeros: the last zero is one value too many
    const zeros = REQUEST_BOUNDS.values - 1;
    writeFileSync(join(dir, "many.json"), `{"principal": [${"0,".repeat(zeros - 1)}0]}`);
    expect(await writ(["eval", "p.writ", "--input", "many.json"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `writ eval: many.json:1:${'{"principal": ['.length + 2 * (zeros - 1) + 1}: more than ${REQUEST_BOUNDS.values} JSON values in one request, more than any request holds\n`,
    });
  });
});

describe("a list of requests (--requests)", () => {
  const line = JSON.stringify(REQUEST);

  it("refuses a request nested too deep in JSON Lines at its line and column", async () => {
    writeFileSync(join(dir, "deep.jsonl"), `${line}\n\n\t${requestNesting(MAX_JSON_DEPTH)}\n${line}\n`);
    const bench = await writ(["bench", "p.writ", "--requests", "deep.jsonl"]);
    expect(bench).toEqual({ code: 1, stdout: "", stderr: `writ bench: deep.jsonl:3:${1 + 14 + MAX_JSON_DEPTH}: ${TOO_DEEP}, deeper than any request\n` });
    // the audit's requests are read alike
    const audit = await writ(["audit", "verify", "log.jsonl", "--replay", "build", "--requests", "deep.jsonl"]);
    expect(audit).toEqual({ code: 1, stdout: "", stderr: `writ audit: deep.jsonl:3:${1 + 14 + MAX_JSON_DEPTH}: ${TOO_DEEP}, deeper than any request\n` });
  });

  it("refuses a request nested too deep in a JSON array, counting its levels from the request", async () => {
    // the array's bracket is no level of the request's: MAX_JSON_DEPTH levels in it are decided
    writeFileSync(join(dir, "deepest-array.json"), `[${line},\n ${requestNesting(MAX_JSON_DEPTH - 1)}]`);
    const deepest = await writ(["bench", "p.writ", "--requests", "deepest-array.json", "--rounds", "1"]);
    expect(deepest.stderr).not.toMatch(/nested more than/);
    writeFileSync(join(dir, "deep-array.json"), `[${line},\n ${requestNesting(MAX_JSON_DEPTH)}]`);
    expect(await writ(["bench", "p.writ", "--requests", "deep-array.json"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `writ bench: deep-array.json:2:${1 + 14 + MAX_JSON_DEPTH}: ${TOO_DEEP}, deeper than any request\n`,
    });
  });

  it("refuses more requests than REQUEST_BOUNDS.listRequests at the first past them, as JSON Lines and as an array", async () => {
    const past = `more than ${REQUEST_BOUNDS.listRequests} requests, the most a list of requests may hold (request ${REQUEST_BOUNDS.listRequests + 1} starts here)`;
    // blank lines are no requests
    writeFileSync(join(dir, "count.jsonl"), `\n${"{}\n".repeat(REQUEST_BOUNDS.listRequests)}\n  {}\n{}\n`);
    expect(await writ(["bench", "p.writ", "--requests", "count.jsonl"])).toEqual({ code: 1, stdout: "", stderr: `writ bench: count.jsonl:${REQUEST_BOUNDS.listRequests + 3}:3: ${past}\n` });
    writeFileSync(join(dir, "count.json"), `[${"{},".repeat(REQUEST_BOUNDS.listRequests)}{}]`);
    expect(await writ(["bench", "p.writ", "--requests", "count.json"])).toEqual({ code: 1, stdout: "", stderr: `writ bench: count.json:1:${2 + 3 * REQUEST_BOUNDS.listRequests}: ${past}\n` });
  });

  it("refuses more values in all than REQUEST_BOUNDS.listValues at the request that passes them", async () => {
    // requests of as many values as one may hold (the object, its array, empty strings), as many as the list may hold
    const full = `{"principal": [${'"",'.repeat(REQUEST_BOUNDS.values - 3)}""]}`;
    const fit = REQUEST_BOUNDS.listValues / REQUEST_BOUNDS.values;
    const why = `the requests up to here hold more than ${REQUEST_BOUNDS.listValues} JSON values, the most a list of requests may hold`;
    writeFileSync(join(dir, "total.json"), `[${`${full},\n`.repeat(fit)}{}]`);
    expect(await writ(["bench", "p.writ", "--requests", "total.json"])).toEqual({ code: 1, stdout: "", stderr: `writ bench: total.json:${fit + 1}:1: ${why}\n` });
    writeFileSync(join(dir, "total.jsonl"), `${`${full}\n`.repeat(fit)}{}\n`);
    expect(await writ(["bench", "p.writ", "--requests", "total.jsonl"])).toEqual({ code: 1, stdout: "", stderr: `writ bench: total.jsonl:${fit + 1}:1: ${why}\n` });
  });
});

describe("the files of a bundle, an artifact and a log", () => {
  it("refuses a manifest nested too deep, naming it", async () => {
    const deep = join(dir, "deep-build");
    mkdirSync(deep);
    for (const f of ["payments.wasm", "payments.manifest.json"]) writeFileSync(join(deep, f), readFileSync(join(dir, "build", f)));
    const manifest = join(deep, "payments.manifest.json");
    const opening = '{"deep": ';
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("{", `${opening}${nested(MAX_JSON_DEPTH + 1)},`));
    writeFileSync(join(dir, "request.json"), JSON.stringify(REQUEST));
    const r = await writ(["eval", "deep-build", "--input", "request.json"]);
    expect(r.code).toBe(1);
    // the manifest's own object is the first level
    expect(r.stderr).toBe(`writ eval: bundle manifest ${manifest}:1:${opening.length + MAX_JSON_DEPTH}: ${TOO_DEEP}\n`);
  });

  it("refuses an artifact whose JWS header is nested too deep, as malformed", async () => {
    const header = `{"alg": ${nested(MAX_JSON_DEPTH)}}`;
    writeFileSync(join(dir, "deep.jws"), `${base64urlEncode(utf8Encode(header))}.${base64urlEncode(utf8Encode("{}"))}.${base64urlEncode(new Uint8Array(64))}\n`);
    const r = await writ(["verify", "deep.jws", "--pub", "writ.public.jwk"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`JWS header holds ${TOO_DEEP} (at 1:${8 + MAX_JSON_DEPTH})`);
  });

  it("refuses a log's line nested deeper, or longer, than any record, naming the record", async () => {
    const first = readFileSync(join(dir, "log.jsonl"), "utf8");
    // the record's object and the artifact's are two levels
    const opening = '{"seq":1,"prev":null,"artifact":{"typ":';
    const deep = `${opening}${nested(MAX_JSON_DEPTH)}}}`;
    writeFileSync(join(dir, "deep-log.jsonl"), `${first}${deep}\n`);
    const r = await writ(["audit", "verify", "deep-log.jsonl", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, index: 1, kind: "malformed", reason: expect.stringContaining(`record holds ${TOO_DEEP} (at column ${opening.length + MAX_JSON_DEPTH - 1})`) });

    const long = `{"seq":1,"prev":null,"artifact":"${"A".repeat(LONGEST_RECORD)}"}`;
    writeFileSync(join(dir, "long-log.jsonl"), `${first}${long}\n`);
    const l = await writ(["audit", "verify", "long-log.jsonl", "--json"]);
    expect(l.code).toBe(1);
    expect(JSON.parse(l.stdout)).toMatchObject({
      ok: false,
      index: 1,
      kind: "malformed",
      reason: expect.stringContaining(`record is ${long.length} characters, longer than any record (one is at most ${LONGEST_RECORD} bytes)`),
    });
  });
});
