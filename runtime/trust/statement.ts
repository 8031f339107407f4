// The decision statement: how a Decision becomes the signed payload, and how a payload is read back
// and checked field by field. Also `decideSafely`, the one place the trust layer calls a policy, so
// authorize and replay treat a misbehaving policy identically (fail-closed).

import type { Decision, DecisionError } from "../decision.js";
import type { DecidingPolicy } from "../policy-types.js";
import { bytesToHex, utf8Decode } from "../crypto/base64url.js";
import { canonicalJson, canonicalize } from "./jcs.js";
import { MAX_EPOCH_SECONDS, STATEMENT_FORMAT, type ChainHead, type Statement } from "./types.js";
import type { RequestDigest } from "./request-digest.js";
import { isDigestHex, isDigestPair, type DigestPair } from "../crypto/digest.js";
import { clip, describeThrown, shownOption } from "../thrown.js";
import { isWellFormed } from "../strings.js";
import { ownElements, ownMember } from "../own.js";
import { shownCut, shownJson } from "../shown-name.js";
import { jsonTooDeep } from "../json-bounds.js";

/** `rule` of the error recorded when the policy itself threw or returned garbage: no rule, the whole policy */
export const POLICY_FAULT_RULE = "";

function policyFault(message: string): Decision {
  return { decision: "deny", rules: [], errors: [{ rule: POLICY_FAULT_RULE, code: "internal", message, at: -1 }] };
}

function isDecisionError(e: unknown): e is DecisionError {
  if (typeof e !== "object" || e === null) return false;
  // its own members: one it lacks is not what Object.prototype holds under its name (own.ts)
  if (typeof ownMember(e, "code") !== "string" || typeof ownMember(e, "message") !== "string") return false;
  const rule = ownMember(e, "rule");
  if (rule === null) return typeof ownMember(e, "path") === "string";
  return typeof rule === "string" && Number.isSafeInteger(ownMember(e, "at"));
}

/**
 * Calls `policy.decide`, turning a throw or a malformed result into a deny with one `internal` error
 * whose rule is POLICY_FAULT_RULE. A bad request never reaches here as an exception: the policy
 * denies it with an `invalid_request` error.
 */
export function decideSafely(policy: DecidingPolicy, request: unknown): Decision {
  let read: { decision: unknown; rules: unknown[] | undefined; errors: unknown[] | undefined };
  try {
    // every part of the answer read once, into plain data: a Decision whose getters answer
    // differently on a second read must not be checked as one thing and signed as another
    // (its own members and elements: a member it lacks, or a hole, is not what a prototype holds there)
    const d = policy.decide(request) as unknown;
    if (typeof d !== "object" || d === null) return policyFault("the policy returned something that is not a Decision");
    const [decision, rules, errors] = [ownMember(d, "decision"), ownMember(d, "rules"), ownMember(d, "errors")];
    read = {
      decision,
      rules: Array.isArray(rules) ? ownElements(rules) : undefined,
      errors: Array.isArray(errors) ? ownElements(errors).map(readError) : undefined,
    };
  } catch (e) {
    return policyFault(`the policy threw: ${describeThrown(e)}`);
  }
  const { decision, rules, errors } = read;
  if (
    (decision !== "allow" && decision !== "deny") ||
    rules === undefined ||
    !rules.every((r) => typeof r === "string") ||
    errors === undefined ||
    !errors.every(isDecisionError)
  )
    return policyFault("the policy returned something that is not a Decision");
  // What is signed must be what a verifier reads back: text that has a canonical JSON (no lone
  // surrogates) and a statement that fits an artifact (MAX_DECISION_JSON)
  const texts = [...(rules as string[]), ...(errors as DecisionError[]).flatMap((e) => [e.code, e.message, e.rule ?? e.path])];
  if (!texts.every((t) => isWellFormed(t))) return policyFault("the policy's decision holds text that is not well-formed Unicode (a lone surrogate): it cannot be signed");
  const past = decisionJsonPast(rules as string[], errors as DecisionError[], texts);
  if (past !== null)
    return policyFault(`the policy's decision takes ${past} bytes in its statement (its rules and errors as canonical JSON, in UTF-8), more than the ${MAX_DECISION_JSON} an artifact can carry`);
  return { decision, rules: rules as string[], errors: errors as DecisionError[] };
}

/**
 * Most bytes the `rules` and `errors` of one decision may take in its statement: their canonical
 * JSON in UTF-8, quotes, escapes, brackets, commas and member names included. Counted in characters
 * of text alone, the bound let through a decision whose text JSON writes 6-fold (a control character
 * is `\u0001`), or whose errors are many and empty, and authorize then threw. A statement holding
 * this much, and a policy's name and version of up to some 195,000 bytes, is within
 * MAX_ARTIFACT_LENGTH in base64url; a batched statement takes as many UTF-16 units as bytes or
 * fewer, within MAX_BATCHED_STATEMENT_LENGTH.
 */
export const MAX_DECISION_JSON = 576 * 1024;

// What an error takes in canonical JSON besides its texts' characters and its `at`'s digits: the
// braces, member names, colons, commas and the texts' quotes (canonical order: at, code, message, rule;
// code, message, path, rule).
const RULE_ERROR_FRAME = canonicalize({ at: 0, code: "", message: "", rule: "" }).length - 1;
const PATH_ERROR_FRAME = canonicalize({ code: "", message: "", path: "", rule: null }).length;

/**
 * The UTF-8 length of the canonical JSON of `rules` and `errors` when it is more than
 * MAX_DECISION_JSON; null when it is not. `texts` are their strings, well-formed. Text is measured
 * only when it might not fit at 6 bytes a UTF-16 unit (the most JSON writes one in: `\u0001`), so
 * a decision of ordinary size is only counted.
 */
function decisionJsonPast(rules: readonly string[], errors: readonly DecisionError[], texts: readonly string[]): number | null {
  // `[]` each, a comma between items, a rule's quotes, each error's frame
  let frame = 4 + Math.max(0, rules.length - 1) + Math.max(0, errors.length - 1) + 2 * rules.length;
  for (const e of errors) frame += e.rule === null ? PATH_ERROR_FRAME : RULE_ERROR_FRAME + String(e.at).length;
  let units = 0;
  for (const t of texts) units += t.length;
  if (frame + 6 * units <= MAX_DECISION_JSON) return null;
  let length = frame;
  for (const t of texts) length += jsonTextLength(t);
  return length > MAX_DECISION_JSON ? length : null;
}

/**
 * The UTF-8 length of well-formed text `t` written in a JSON string, less its quotes, as RFC 8785
 * writes it (jcs.ts): `"` and `\` escaped with a backslash, as are backspace, tab, line feed, form
 * feed and carriage return; any other control character as `\u00xx`. Counted without writing it out:
 * text of any length is measured in place.
 */
function jsonTextLength(t: string): number {
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) n += 2;
    else if (c < 0x20) n += c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c < 0x80) n += 1;
    // a surrogate is half a pair (the text is well-formed): 4 bytes the pair
    else if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) n += 2;
    else n += 3;
  }
  return n;
}

/** The fields a DecisionError has, each read once into a plain object (anything else is left behind). */
function readError(e: unknown): unknown {
  if (typeof e !== "object" || e === null) return e;
  const rule = ownMember(e, "rule");
  const [code, message] = [ownMember(e, "code"), ownMember(e, "message")];
  return rule === null ? { rule, code, message, path: ownMember(e, "path") } : { rule, code, message, at: ownMember(e, "at") };
}

/**
 * Longest reason, and longest path, a refused request's denial quotes, in UTF-16 units (longer ones
 * are cut and end with `…`). Both are built from what the request holds — a key, a class name, what
 * a getter threw, a BigInt — each already shown short, but a path strings up to MAX_DEPTH keys
 * together. The denial is signed, logged and read back by verifiers: whatever the pieces, a request
 * must not be able to make it too large to issue.
 */
export const MAX_REFUSAL_TEXT = 1000;

/** The decision for a request that has no canonical JSON: deny, naming why, without asking the policy. */
export function unrepresentableDecision(digest: Extract<RequestDigest, { ok: false }>): Decision {
  const reason = clip(digest.reason, MAX_REFUSAL_TEXT);
  return {
    decision: "deny",
    rules: [],
    errors: [{ rule: null, code: "invalid_request", message: `request is not JSON-representable: ${reason}`, path: clip(digest.path, MAX_REFUSAL_TEXT) }],
  };
}

// Random ids come from a pool refilled 256 ids at a time: one CSPRNG call per id costs several
// microseconds, a noticeable share of an authorization. The pool is hex-encoded once per refill and
// ids are cut from that text; the bytes are zeroed at once, so none linger to be reused by mistake.
const ID_BYTES = 16;
const IDS_PER_POOL = 256;
const pool = new Uint8Array(ID_BYTES * IDS_PER_POOL);
let poolHex = "";
let poolNext = IDS_PER_POOL;

/** A fresh random 128-bit id, 32 lowercase hex digits (a statement's `jti`, a batch's id). */
export function randomId(): string {
  if (poolNext === IDS_PER_POOL) {
    globalThis.crypto.getRandomValues(pool);
    poolHex = bytesToHex(pool);
    pool.fill(0);
    poolNext = 0;
  }
  const at = 2 * ID_BYTES * poolNext++;
  return poolHex.slice(at, at + 2 * ID_BYTES);
}

/**
 * `exp` of an artifact issued at `iat` for `ttlSeconds`. Throws a RangeError when `iat` is not a
 * whole number of seconds within the range of a date, or `exp` would pass the last moment a date can
 * hold (buildStatement; guard asks before anything is decided).
 */
export function expiryOf(iat: number, ttlSeconds: number): number {
  if (!isEpochSeconds(iat)) throw new RangeError(`the clock is out of range: an artifact issued at ${iat} s would not be at a whole second within ±${MAX_EPOCH_SECONDS} s, the range of a date`);
  const exp = iat + ttlSeconds;
  if (!(exp <= MAX_EPOCH_SECONDS)) throw new RangeError(`the clock is too late: an artifact issued at ${iat} s would expire after the last date (${MAX_EPOCH_SECONDS} s)`);
  return exp;
}

/**
 * The statement for one decision (shared by single and batched artifacts). Throws a RangeError when
 * `iat` is not a whole number of seconds within the range of a date, or `exp` would pass the last
 * moment a date can hold (a clock set some 270,000 years ahead), and a TypeError for a policy whose
 * name, version or digests a statement cannot hold (statedPolicy): the statement would be one that
 * no verifier, this one included, reads back.
 */
export function buildStatement(args: {
  readonly policy: DecidingPolicy;
  readonly decision: Decision;
  readonly requestSha3: string;
  readonly issuer: string;
  readonly iat: number;
  readonly ttlSeconds: number;
  readonly head: ChainHead;
}): Statement {
  const { decision, head } = args;
  const exp = expiryOf(args.iat, args.ttlSeconds);
  return {
    v: STATEMENT_FORMAT,
    jti: randomId(),
    iss: args.issuer,
    iat: args.iat,
    exp,
    decision: decision.decision,
    rules: decision.rules,
    errors: decision.errors,
    policy: statedPolicy(args.policy),
    request: { sha3_512: args.requestSha3 },
    // copied, so a later change of the signer's head can never show through
    lineage: { seq: head.seq, prev: head.prev === null ? null : { sha3_512: head.prev.sha3_512, blake2b_512: head.prev.blake2b_512 } },
  };
}

/**
 * The policy as a statement names it, each member read once. A TypeError, before anything is signed,
 * for a member the statement reader refuses (policyMemberProblem): any object with a policy's members
 * is taken for one, and a host's whose name is a number or null, or whose digests are upper-case or
 * short, had an artifact signed and recorded that no verifier, nor the lineage log's reader, reads back.
 */
function statedPolicy(policy: DecidingPolicy): Statement["policy"] {
  if ((typeof policy !== "object" && typeof policy !== "function") || policy === null)
    throw new TypeError(`the policy is ${shownOption(policy)}, not a loaded policy (loadPolicy makes one); nothing was issued`);
  let stated: { name: unknown; version: unknown; sha3_512: unknown; blake2b_512: unknown };
  try {
    const digests: unknown = policy.digests;
    const pair = (typeof digests === "object" && digests !== null ? digests : {}) as Partial<DigestPair>;
    stated = { name: policy.name, version: policy.version, sha3_512: pair.sha3_512, blake2b_512: pair.blake2b_512 };
  } catch (e) {
    // a host's policy object whose getter throws, or a revoked Proxy: said as a policy member is
    throw new TypeError(`the policy's name, version or digests could not be read: ${describeThrown(e)}; nothing was issued`);
  }
  const problem = policyMemberProblem(stated.name, stated.version, stated.sha3_512, stated.blake2b_512);
  if (problem !== null) {
    const where = problem.member === "name" || problem.member === "version" ? `\`${problem.member}\`` : `\`digests.${problem.member}\``;
    throw new TypeError(
      `the policy's ${where} is ${shownOption(problem.value)}: a statement holds it as ${problem.must}, and no verifier (nor the lineage log's reader) reads back one that does not; nothing was issued`,
    );
  }
  return stated as Statement["policy"];
}

/**
 * The refusal of a statement too long for its artifact to be read (`why` says how long, and against
 * what limit): a TypeError, as for a policy member a statement cannot hold, naming what made it long.
 * Nothing is signed.
 */
export function statementTooLong(s: Statement, why: string): TypeError {
  const identity = s.policy.name.length + s.policy.version.length;
  const decision = listJson(s.rules).length + listJson(s.errors).length;
  return new TypeError(
    `${why}: the policy's name and version hold ${identity} characters, and the decision's rules and errors ${decision} in JSON; nothing was issued`,
  );
}

// The canonical JSON of a statement, written out in RFC 8785 member order (every key below is ASCII,
// so code-unit order is alphabetical) instead of sorting members per decision. Fields that are hex,
// integers or fixed words go in as they are; the parts that can hold any text (rules, errors, iss,
// the policy's name and version) go through jcs.ts. INVARIANT: equals canonicalize(statement) for
// every statement buildStatement makes — artifact.test.ts and batch.test.ts check it on each one.
interface PolicyFragment {
  readonly name: string;
  readonly version: string;
  readonly sha3_512: string;
  readonly blake2b_512: string;
  readonly json: string;
}
const policyFragments = new WeakMap<object, PolicyFragment>();
const issuerFragments = new Map<string, string>();

function policyJson(p: Statement["policy"], owner: object): string {
  const cached = policyFragments.get(owner);
  // Compared field by field: a policy object whose identity changed is canonicalised again.
  if (cached !== undefined && cached.name === p.name && cached.version === p.version && cached.sha3_512 === p.sha3_512 && cached.blake2b_512 === p.blake2b_512)
    return cached.json;
  // text with no canonical JSON (a lone surrogate) is no statement either: refused as statedPolicy refuses
  const written = canonicalJson({ name: p.name, version: p.version, sha3_512: p.sha3_512, blake2b_512: p.blake2b_512 });
  if (!written.ok)
    throw new TypeError(`the policy's \`${written.path}\` has no canonical JSON: ${written.reason}; no statement can hold it, and nothing was issued`);
  const json = written.text;
  policyFragments.set(owner, { name: p.name, version: p.version, sha3_512: p.sha3_512, blake2b_512: p.blake2b_512, json });
  return json;
}

function issuerJson(iss: string): string {
  let json = issuerFragments.get(iss);
  if (json === undefined) {
    json = canonicalize(iss);
    if (issuerFragments.size < 64) issuerFragments.set(iss, json);
  }
  return json;
}

/**
 * RFC 8785 canonical JSON of a statement built by buildStatement; `policy` is the object it was built
 * for, whose identity part is canonicalised once.
 */
/** Canonical JSON of a list of rule names or errors; most are empty. */
function listJson(list: readonly unknown[]): string {
  return list.length === 0 ? "[]" : canonicalize(list);
}

export function canonicalStatement(s: Statement, policy: DecidingPolicy): string {
  const prev = s.lineage.prev === null ? "null" : `{"blake2b_512":"${s.lineage.prev.blake2b_512}","sha3_512":"${s.lineage.prev.sha3_512}"}`;
  return (
    `{"decision":"${s.decision}","errors":${listJson(s.errors)},"exp":${s.exp},"iat":${s.iat},"iss":${issuerJson(s.iss)},"jti":"${s.jti}",` +
    `"lineage":{"prev":${prev},"seq":${s.lineage.seq}},"policy":${policyJson(s.policy, policy)},"request":{"sha3_512":"${s.request.sha3_512}"},` +
    `"rules":${listJson(s.rules)},"v":"${s.v}"}`
  );
}

export type StatementResult = { ok: true; statement: Statement } | { ok: false; message: string };

const HEX32 = /^[0-9a-f]{32}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
/** Whether `v` is a time a statement may hold: a whole number of seconds within the range of a date. */
export function isEpochSeconds(v: unknown): boolean {
  return Number.isSafeInteger(v) && Math.abs(v as number) <= MAX_EPOCH_SECONDS;
}


/** A member of a statement's `policy`, the reader's test of it, and what that test asks for. */
interface PolicyMember {
  readonly member: "name" | "version" | "sha3_512" | "blake2b_512";
  readonly holds: (v: unknown) => boolean;
  readonly must: string;
}

const isText = (v: unknown): boolean => typeof v === "string";
const POLICY_MEMBERS: readonly PolicyMember[] = [
  { member: "name", holds: isText, must: "text" },
  { member: "version", holds: isText, must: "text" },
  { member: "sha3_512", holds: isDigestHex, must: "128 lowercase hex digits" },
  { member: "blake2b_512", holds: isDigestHex, must: "128 lowercase hex digits" },
];

/**
 * The first of the members of a statement's `policy` that the statement reader refuses, with its
 * value and what it must be; null when all four hold. The reader (statementProblem, with the members
 * its parsed `policy` owns: own.ts), the issuer (buildStatement) and the lineage log (chainEntryOf)
 * all ask it, so none of them signs, records or accepts a policy another refuses.
 */
export function policyMemberProblem(name: unknown, version: unknown, sha3_512: unknown, blake2b_512: unknown): PolicyMemberProblem | null {
  const good = lastGoodPolicy;
  if (good !== null && name === good.name && version === good.version && sha3_512 === good.sha3_512 && blake2b_512 === good.blake2b_512) return null;
  const values = { name, version, sha3_512, blake2b_512 };
  for (const { member, holds, must } of POLICY_MEMBERS) if (!holds(values[member])) return { member, value: values[member], must };
  lastGoodPolicy = Object.freeze(values as Statement["policy"]);
  return null;
}

export interface PolicyMemberProblem {
  readonly member: PolicyMember["member"];
  readonly value: unknown;
  readonly must: string;
}

// The last policy members found good, its own frozen copy: a host deciding with one policy (the usual
// case) has them tested once rather than for every decision and every record, where testing two
// digests of 128 hex digits took some 0.3 µs, 4% of a batched decision. The test is of the values
// alone, so values equal to ones that passed pass.
let lastGoodPolicy: Statement["policy"] | null = null;

/**
 * What is wrong with a parsed payload as a statement, or null. `leafIndex` is the statement's place in
 * its batch for a batched artifact (batch.ts: every statement of a batch carries the link of the
 * artifact before the batch, so those of the batch that begins the chain all link to nothing).
 */
function statementProblem(s: Record<string, unknown>, leafIndex: number | null): string | null {
  // its own members: one it lacks is not what Object.prototype holds under its name (own.ts); once
  // each is checked here, the statement holds it, and later readers read it by name
  const [v, jti, iss, iat, exp, decision, rules, errors] = ["v", "jti", "iss", "iat", "exp", "decision", "rules", "errors"].map((k) => ownMember(s, k));
  if (v !== STATEMENT_FORMAT) return `statement format \`v\` is ${shownJson(v)}, expected "${STATEMENT_FORMAT}"`;
  if (typeof jti !== "string" || !HEX32.test(jti)) return "`jti` must be 32 lowercase hex digits";
  if (typeof iss !== "string" || iss === "") return "`iss` must name the issuing key";
  if (!isEpochSeconds(iat) || !isEpochSeconds(exp))
    return `\`iat\` and \`exp\` must be integers (seconds since the epoch) within ±${MAX_EPOCH_SECONDS}, the range of a date`;
  if ((exp as number) < (iat as number)) return "`exp` is before `iat`";
  if (decision !== "allow" && decision !== "deny") return "`decision` must be \"allow\" or \"deny\"";
  if (!Array.isArray(rules) || !rules.every((r) => typeof r === "string")) return "`rules` must be a list of rule names";
  if (!Array.isArray(errors) || !errors.every(isDecisionError)) return "`errors` must be a list of decision errors";
  const p = ownMember(s, "policy");
  if (!isRecord(p) || policyMemberProblem(ownMember(p, "name"), ownMember(p, "version"), ownMember(p, "sha3_512"), ownMember(p, "blake2b_512")) !== null)
    return "`policy` must hold name, version and the module's sha3_512 and blake2b_512 digests";
  const r = ownMember(s, "request");
  if (!isRecord(r) || !isDigestHex(ownMember(r, "sha3_512"))) return "`request.sha3_512` must be 128 hex digits";
  const l = ownMember(s, "lineage");
  const seq = isRecord(l) ? ownMember(l, "seq") : undefined;
  if (!isRecord(l) || !Number.isSafeInteger(seq) || (seq as number) < 0) return "`lineage.seq` must be a non-negative integer";
  const prev = ownMember(l, "prev");
  if (prev !== null && !isDigestPair(prev)) return "`lineage.prev` must be null or a digest pair";
  if (leafIndex === null) {
    if ((seq === 0) !== (prev === null)) return "`lineage`: seq 0 (genesis) goes with prev null, and only it";
  } else {
    if ((seq as number) < leafIndex) return `\`lineage.seq\` ${seq} is less than the leaf index ${leafIndex}: the batch would begin before seq 0`;
    if ((seq === leafIndex) !== (prev === null))
      return "`lineage`: prev is null exactly in the batch that begins the chain (seq equal to the leaf index)";
  }
  return null;
}

/**
 * Reads a payload as a statement: UTF-8, JSON, byte-for-byte its own canonical form (so there is one
 * encoding per statement and nothing hides in whitespace or duplicate keys), and every field well-typed.
 * `leafIndex` is the statement's place in its batch when it is a batched one.
 */
export function parseStatement(payload: Uint8Array, leafIndex: number | null = null): StatementResult {
  const text = utf8Decode(payload);
  if (text === null) return { ok: false, message: "payload is not UTF-8" };
  const tooDeep = jsonTooDeep(text);
  if (tooDeep !== undefined) return { ok: false, message: `payload holds ${tooDeep.why} (at ${tooDeep.at})` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: "payload is not JSON" };
  }
  if (!isRecord(value)) return { ok: false, message: "payload is not a JSON object" };
  const canonical = canonicalJson(value);
  // why it has none (nested too deep, a lone surrogate written as its escape) and where: the place
  // strings up to 256 keys of the artifact's together, each cut, and is cut in its turn
  if (!canonical.ok)
    return { ok: false, message: `payload has no RFC 8785 canonical form: ${canonical.reason}${canonical.path === "" ? "" : ` at \`${shownCut(canonical.path)}\``}` };
  if (canonical.text !== text) return { ok: false, message: "payload is not in RFC 8785 canonical form" };
  const problem = statementProblem(value, leafIndex);
  if (problem) return { ok: false, message: `statement: ${problem}` };
  return { ok: true, statement: value as unknown as Statement };
}
