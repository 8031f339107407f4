// A statement names its policy by name, version and module digests, which authorize, the batch
// authorizer and guard read from the policy object they are handed: any object with a policy's
// members. One whose name or version is no text, or whose digests are not 128 lowercase hex digits,
// or whose name is so long that the artifact would be longer than verifiers read, must have nothing
// signed or recorded: before, its allow was signed and appended, no verifier took it, and the
// lineage log holding it could no longer be opened.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { authorize } from "../../runtime/trust/authorize.js";
import { createBatchAuthorizer } from "../../runtime/trust/batch.js";
import { batchedArtifactMiddle, batchedArtifactTail, batchedArtifactText, MAX_BATCHED_STATEMENT_LENGTH, signTreeHead } from "../../runtime/trust/batch-artifact.js";
import { guard, GuardError } from "../../runtime/trust/guard.js";
import { canonicalize } from "../../runtime/trust/jcs.js";
import { generateKeyPair } from "../../runtime/trust/keys.js";
import { LineageError, openLog, tryOpenLog, type LineageLog } from "../../runtime/trust/lineage.js";
import { issuedCopy, withIssuedArtifact, withIssuedPlaces } from "../../runtime/trust/lineage-record.js";
import { verifyLog } from "../../runtime/trust/lineage-verify.js";
import { buildTreeText, leafHashHexOfText } from "../../runtime/trust/merkle.js";
import { createSigner, type Signer } from "../../runtime/trust/signer.js";
import { ARTIFACT_TYP, type Statement } from "../../runtime/trust/types.js";
import { MAX_ARTIFACT_LENGTH, verifyArtifact } from "../../runtime/trust/verify-artifact.js";
import type { DecidingPolicy } from "../../runtime/policy-types.js";
import { ADMIN_OK, USER_DENIED, fakePolicy } from "./fake-policy.js";
import { tempDir } from "../support/temp-dir.js";

const key = generateKeyPair();
const trustedKeys = [key.publicKey];
const policy = fakePolicy();
const dir = tempDir("stated-policy");
const NOW = new Date("2025-01-01T00:00:00Z");

/** `policy` with some of its members replaced, as a host building its own policy object may. */
function hostPolicy(over: Record<string, unknown>): DecidingPolicy {
  return { ...policy, ...over } as DecidingPolicy;
}

const BAD_MEMBERS: [string, Record<string, unknown>, RegExp][] = [
  ["a name that is a number", { name: 5 }, /the policy's `name` is a number: a statement holds it as text/],
  ["a name that is null", { name: null }, /the policy's `name` is null/],
  ["no name", { name: undefined }, /the policy's `name` is undefined/],
  ["a version that is a number", { version: 2 }, /the policy's `version` is a number/],
  ["a version holding a lone surrogate", { version: "1\ud800" }, /the policy's `version` has no canonical JSON: .*lone surrogate/],
  ["upper-case digests", { digests: { ...policy.digests, sha3_512: policy.digests.sha3_512.toUpperCase() } }, /`digests.sha3_512` is "[0-9A-F]{40}": a statement holds it as 128 lowercase hex digits/],
  ["short digests", { digests: { sha3_512: policy.digests.sha3_512, blake2b_512: "cd" } }, /`digests.blake2b_512` is "cd"/],
  ["no digests", { digests: undefined }, /`digests.sha3_512` is undefined/],
  ["a name of two million characters", { name: "x".repeat(2_000_000) }, /would be \d+ characters, more than the \d+ .*the policy's name and version hold 2000005 characters/],
];

/** A log at `name` holding one artifact, and the signer that continues it. */
function startedLog(name: string): { path: string; log: LineageLog; signer: Signer } {
  const path = join(dir, `${name}.jsonl`);
  const log = openLog(path, { fsync: "never" });
  const signer = createSigner(key);
  authorize(policy, ADMIN_OK, { signer, lineage: log, now: NOW });
  return { path, log, signer };
}

/** The log closed, verified with the issuer's key, and opened again, holding `records`. */
function stillReadable(path: string, log: LineageLog, records: number): void {
  log.close();
  expect(verifyLog(path, { trustedKeys })).toMatchObject({ ok: true, records });
  const again = tryOpenLog(path, { fsync: "never" });
  if (!again.ok) throw again.error;
  expect(again.log.head().records).toBe(records);
  again.log.close();
}

/** Every artifact in the log's file verifies (as of NOW, with the issuer's key and any module). */
function everyRecordVerifies(path: string): void {
  for (const line of readFileSync(path, "utf8").trim().split("\n")) {
    const record = JSON.parse(line) as { artifact: unknown };
    const artifact = typeof record.artifact === "string" ? record.artifact : JSON.stringify(record.artifact);
    expect(verifyArtifact(artifact, { trustedKeys, now: NOW })).toMatchObject({ ok: true });
  }
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("did not throw");
}

describe("a policy object whose name, version or digests a statement cannot hold", () => {
  for (const [label, over, message] of BAD_MEMBERS) {
    it(`authorize refuses ${label} with a TypeError, signing and recording nothing`, () => {
      const { path, log, signer } = startedLog(`single-${label.replace(/\W+/g, "-")}`);
      const handed: string[] = [];
      const sink = { append: (artifact: string, statement: Statement) => (handed.push(artifact), log.append(artifact, statement)) };
      const head = signer.head;
      const e = thrown(() => authorize(hostPolicy(over), ADMIN_OK, { signer, lineage: sink, now: NOW }));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(message);
      expect((e as Error).message).toMatch(/nothing was issued/);
      expect(handed).toEqual([]);
      expect(signer.head).toBe(head);
      // the chain goes on from the artifact before
      authorize(policy, USER_DENIED, { signer, lineage: sink, now: NOW });
      stillReadable(path, log, 2);
      everyRecordVerifies(path);
    });

    it(`the batch authorizer refuses ${label} in authorize and authorizeBatch, signing and recording nothing`, async () => {
      const { path, log, signer } = startedLog(`batch-${label.replace(/\W+/g, "-")}`);
      const batcher = createBatchAuthorizer({ signer, lineage: log, maxDelayMs: 1, now: NOW });
      const head = batcher.head;
      await expect(batcher.authorize(hostPolicy(over), ADMIN_OK)).rejects.toThrow(message);
      const e = thrown(() => batcher.authorizeBatch(hostPolicy(over), [ADMIN_OK, USER_DENIED]));
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(message);
      expect(batcher.head).toEqual(head);
      expect(log.head().records).toBe(1);
      // the chain goes on from the artifact before
      const issued = batcher.authorizeBatch(policy, [ADMIN_OK, USER_DENIED]);
      for (const a of issued) expect(verifyArtifact(a.artifact, { trustedKeys, now: NOW })).toMatchObject({ ok: true });
      stillReadable(path, log, 3);
      everyRecordVerifies(path);
    });
  }

  it("authorize and the batch authorizer refuse what is no policy object, or one whose members cannot be read, with a TypeError saying so", () => {
    const throwingGetter = Object.defineProperty({ ...policy }, "digests", { get: () => { throw new Error("no digests here"); } });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const [given, message] of [
      [undefined, "the policy is undefined, not a loaded policy (loadPolicy makes one); nothing was issued"],
      [null, "the policy is null, not a loaded policy (loadPolicy makes one); nothing was issued"],
      ["payments", 'the policy is "payments", not a loaded policy (loadPolicy makes one); nothing was issued'],
      [throwingGetter, "the policy's name, version or digests could not be read: no digests here; nothing was issued"],
      [revoked, /^the policy's name, version or digests could not be read: .*revoked.*; nothing was issued$/],
    ] as const) {
      const signer = createSigner(key);
      const head = signer.head;
      const e = thrown(() => authorize(given as unknown as DecidingPolicy, ADMIN_OK, { signer, now: NOW }));
      expect(e, String(message)).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(message);
      expect(signer.head).toBe(head);
      const batched = thrown(() => createBatchAuthorizer({ signer: createSigner(key), now: NOW }).authorizeBatch(given as unknown as DecidingPolicy, [ADMIN_OK]));
      expect(batched, String(message)).toBeInstanceOf(TypeError);
      expect((batched as Error).message).toMatch(message);
    }
  });

  it("guard rejects a name or version a statement cannot hold as policy_error, before anything is signed or logged", async () => {
    for (const over of [{ name: 5 }, { version: null }, { name: "x".repeat(2_000_000) }]) {
      const { path, log, signer } = startedLog(`guard-${Object.keys(over)[0]}-${typeof Object.values(over)[0]}`);
      let ran = false;
      const e = await guard(hostPolicy(over), ADMIN_OK, () => (ran = true), { signer, lineage: log, now: NOW }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GuardError);
      expect((e as GuardError).code).toBe("policy_error");
      expect((e as GuardError).artifact).toBeUndefined();
      expect(ran).toBe(false);
      stillReadable(path, log, 1);
    }
  });

  it("is refused after a good policy was stated, and when a host edits the statement it was handed", () => {
    const signer = createSigner(key);
    const issued = authorize(policy, ADMIN_OK, { signer, now: NOW });
    // the members found good are remembered as the issuer's own copy: an edit of what was handed out reaches nothing
    (issued.statement.policy as { name: unknown }).name = 5;
    expect(() => authorize(hostPolicy({ name: 5 }), ADMIN_OK, { signer, now: NOW })).toThrow(/the policy's `name` is a number/);
    const upper = { ...policy.digests, blake2b_512: policy.digests.blake2b_512.toUpperCase() };
    expect(() => authorize(hostPolicy({ digests: upper }), ADMIN_OK, { signer, now: NOW })).toThrow(/`digests.blake2b_512` is "[0-9A-F]{40}"/);
  });
});

describe("a statement too long for its artifact to be read", () => {
  /** The artifact authorize issues for a policy named `name`, at seq 0, or what it throws. */
  const issue = (name: string) => authorize(hostPolicy({ name }), ADMIN_OK, { signer: createSigner(key), now: NOW });

  /**
   * The length of the artifact for a policy named with `count` characters of `bytes` UTF-8 bytes each
   * (none escaped in JSON): base64url of the statement, between a header and a signature as long as
   * those of a policy named "n".
   */
  function lengthFor(count: number, bytes: number): number {
    const short = issue("n").artifact;
    const payload = short.split(".")[1]!;
    const statementBytes = Buffer.from(payload, "base64url").length - 1 + count * bytes;
    return short.length - payload.length + Math.ceil((4 * statementBytes) / 3);
  }

  /** The most characters of `bytes` UTF-8 bytes each a name may have for its artifact to be read. */
  function longestName(bytes: number): number {
    let count = 0;
    for (let step = 1 << 20; step >= 1; step >>= 1) if (lengthFor(count + step, bytes) <= MAX_ARTIFACT_LENGTH) count += step;
    return count;
  }

  it("is issued by authorize up to the length verifiers read, and refused one character past it", () => {
    for (const [c, bytes] of [["x", 1], ["é", 2], ["管", 3]] as const) {
      const count = longestName(bytes);
      const longest = issue(c.repeat(count));
      expect(longest.artifact.length).toBe(lengthFor(count, bytes));
      expect(verifyArtifact(longest.artifact, { trustedKeys, now: NOW })).toMatchObject({ ok: true });
      expect(() => issue(c.repeat(count + 1))).toThrow(
        `the artifact of this decision would be ${lengthFor(count + 1, bytes)} characters, more than the ${MAX_ARTIFACT_LENGTH} a verifier reads: the policy's name and version hold ${count + 1 + policy.version.length} characters`,
      );
    }
  });

  it("is issued by the batch authorizer up to the statement length its artifact carries, and refused one character past it", () => {
    const batch = (name: string) => createBatchAuthorizer({ signer: createSigner(key), now: NOW }).authorizeBatch(hostPolicy({ name }), [ADMIN_OK]);
    const [short] = batch("n");
    const length = MAX_BATCHED_STATEMENT_LENGTH - (canonicalize(short!.statement).length - 1);
    const [longest] = batch("x".repeat(length));
    expect(canonicalize(longest!.statement).length).toBe(MAX_BATCHED_STATEMENT_LENGTH);
    expect(longest!.artifact.length).toBeLessThanOrEqual(MAX_ARTIFACT_LENGTH);
    expect(verifyArtifact(longest!.artifact, { trustedKeys, now: NOW })).toMatchObject({ ok: true });
    expect(() => batch("x".repeat(length + 1))).toThrow(
      `the statement of this decision would be ${MAX_BATCHED_STATEMENT_LENGTH + 1} characters, more than the ${MAX_BATCHED_STATEMENT_LENGTH} a batched artifact carries`,
    );
  });
});

describe("the lineage log, handed a statement as issued whose policy its reader refuses", () => {
  /** A statement at seq 0 naming `over` in its policy, as an issuer that did not check would have made it. */
  function statementNaming(over: Record<string, unknown>): Statement {
    const { statement } = authorize(policy, ADMIN_OK, { signer: createSigner(key), now: NOW });
    return { ...statement, policy: { ...statement.policy, ...over } } as Statement;
  }

  for (const over of [{ name: 5 }, { version: null }, { sha3_512: policy.digests.sha3_512.toUpperCase() }, { blake2b_512: "cd" }]) {
    const member = Object.keys(over)[0]!;

    it(`refuses a compact artifact whose policy.${member} the reader refuses, writing nothing`, () => {
      const path = join(dir, `log-single-${member}.jsonl`);
      const log = openLog(path, { fsync: "never" });
      const signer = createSigner(key);
      const statement = statementNaming(over);
      const artifact = signer.signTyped(ARTIFACT_TYP, canonicalize(statement));
      expect(verifyArtifact(artifact, { trustedKeys, now: NOW })).toMatchObject({ ok: false, code: "malformed" });
      const e = thrown(() => withIssuedArtifact(artifact, statement, () => log.append(artifact, statement)));
      expect(e).toBeInstanceOf(LineageError);
      expect((e as LineageError).code).toBe("chain_break");
      expect((e as Error).message).toContain(`its statement's policy.${member} is`);
      expect((e as Error).message).toMatch(/which the log's reader refuses\); nothing was recorded/);
      expect(readFileSync(path, "utf8")).toBe("");
      authorize(policy, ADMIN_OK, { signer: createSigner(key), lineage: log, now: NOW });
      stillReadable(path, log, 1);
    });

    it(`refuses a batch whose statement's policy.${member} the reader refuses, writing nothing`, () => {
      const path = join(dir, `log-batch-${member}.jsonl`);
      const log = openLog(path, { fsync: "never" });
      const signer = createSigner(key);
      const statement = statementNaming(over);
      const canonical = canonicalize(statement);
      const leaf = leafHashHexOfText(canonical);
      const tree = buildTreeText([leaf]);
      const head = signTreeHead({ v: "writ-batch-head/1", batch: "0".repeat(32), size: 1, root: tree.root, hash: "sha256", iss: signer.keyId, iat: statement.iat }, signer);
      const pieces = { statement: canonical, middle: batchedArtifactMiddle(0, tree.paths[0]!), tail: batchedArtifactTail(head) };
      const artifact = batchedArtifactText(pieces);
      const entries = [{ artifact, statement }];
      const places = [{ artifact, handed: statement, statement: issuedCopy(statement), pieces, place: { head, index: 0, size: 1, leaf, proofHolds: true } }];
      const e = thrown(() => withIssuedPlaces(entries, places, () => log.appendMany(entries)));
      expect(e).toBeInstanceOf(LineageError);
      expect((e as Error).message).toContain(`its statement's policy.${member} is`);
      expect(readFileSync(path, "utf8")).toBe("");
      authorize(policy, ADMIN_OK, { signer: createSigner(key), lineage: log, now: NOW });
      stillReadable(path, log, 1);
    });
  }
});
