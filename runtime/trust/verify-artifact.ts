// Verification before execution: the executor of an action checks an authorization artifact before
// acting on it — envelope, header, key, signature, statement, validity window, policy, request, and
// (when asked) that it is an allow. The first failure is returned with its own code. Either kind of
// artifact: a compact JWS, or a batched artifact, whose signed tree head (header, key, signature)
// and inclusion proof are checked in place of a signature of its own, before its statement
// (batch-artifact.ts).

import { readCheckOptions, statementFailure, type ArtifactCheckOptions } from "./artifact-checks.js";
import { headerProblem, parseCompact, verifyJws } from "./jws.js";
import { parseStatement } from "./statement.js";
import { ARTIFACT_TYP, type ArtifactErrorCode, type Statement } from "./types.js";
import { isBatchedText, verifyBatchedChecked } from "./batch-artifact.js";
import { trimLineSpace } from "../strings.js";
import { shownName } from "../shown-name.js";
import { shownOption } from "../thrown.js";
import { STACK_RAN_OUT, unfinished } from "./unfinished.js";

/**
 * The refusal for a verification the host's stack ran out in, held here: read where the stack has
 * run out, an imported binding can be a call (a loader that rewrites imports into getters).
 */
const RAN_OUT = STACK_RAN_OUT;

export { DEFAULT_CLOCK_SKEW_SECONDS } from "./artifact-checks.js";
export type { ArtifactErrorCode } from "./types.js";

export type ArtifactVerification = { ok: true; statement: Statement } | { ok: false; code: ArtifactErrorCode; message: string };

/** The checks to make besides the signature (artifact-checks.ts); `ignoreExpiry` is for batched audits alone. */
export type VerifyArtifactOptions = Omit<ArtifactCheckOptions, "ignoreExpiry">;

/** An artifact is a few hundred bytes to a few KiB; a megabyte is not an artifact. */
export const MAX_ARTIFACT_LENGTH = 1024 * 1024;

function fail(code: ArtifactErrorCode, message: string): ArtifactVerification {
  return { ok: false, code, message };
}

const BASE64URL_START = /^[A-Za-z0-9_-]/;

/** A character as messages name it: its code point, and itself when it is printable ASCII. */
function characterName(c: number): string {
  const point = `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  return c > 0x20 && c < 0x7f ? `${point} (${JSON.stringify(String.fromCharCode(c))})` : point;
}

/**
 * Why `text` (trimmed, and not a batched artifact's) is neither kind of artifact from its first
 * character on, or null. Without it, a batched artifact behind a no-break space or a BOM would be
 * read as a compact JWS, and refused for its count of dots, or for its header's first character.
 * replayArtifact reads an artifact so too.
 */
export function openingProblem(text: string): string | null {
  if (text === "") return "the artifact is empty (nothing but ASCII spaces, tabs and line ends)";
  if (BASE64URL_START.test(text)) return null;
  return `an artifact begins with "{" (a batched artifact) or a base64url character (a compact JWS), and this one begins with ${characterName(text.codePointAt(0)!)}`;
}

/**
 * Verifies an authorization artifact of either kind. A compact JWS: header, key, signature, then the
 * statement. A batched artifact (JSON text, recognised by its opening brace, which base64url never
 * starts with): its text, then its tree head's header, key and signature, the statement's inclusion
 * proof against the head (`bad_proof`), then the statement (batch-artifact.ts). Then, for both, the validity window and the checks `options` ask for. Never throws.
 */
export function verifyArtifact(token: string, options: VerifyArtifactOptions): ArtifactVerification {
  try {
    return verifyArtifactOnce(token, options);
  } catch (e) {
    // called too deep, the host's stack ran out before it finished: refused, not verified
    try {
      return unfinished(e);
    } catch {
      return RAN_OUT;
    }
  }
}

function verifyArtifactOnce(token: string, options: VerifyArtifactOptions): ArtifactVerification {
  // `ignoreExpiry` is the batched verifier's option (audits of old batches); here the window always counts
  const read = readCheckOptions(options);
  if (!read.ok) return read;
  // a host asking for it here would otherwise be told an artifact expired, with no word of why
  if (read.options.ignoreExpiry)
    return fail("bad_options", "ignoreExpiry is verifyBatchedArtifact's option (audits of old batches); verifyArtifact always judges the validity window");
  const checked = { ...read.options, ignoreExpiry: false };
  if (typeof token !== "string") return fail("malformed", `an artifact is text (a compact JWS, or a batched artifact's JSON), got ${shownOption(token)}`);
  // the line end a file or a pipe adds is not part of the artifact; anything else around it is (a
  // BOM, a no-break space: String.prototype.trim would take those too)
  const text = trimLineSpace(token);
  if (isBatchedText(text)) {
    const batched = verifyBatchedChecked(text, checked);
    return batched.ok ? { ok: true, statement: batched.statement } : batched;
  }
  const opening = openingProblem(text);
  if (opening) return fail("malformed", opening);
  const parsed = parseCompact(text, MAX_ARTIFACT_LENGTH);
  if (!parsed.ok) return fail("malformed", parsed.message);
  const { jws } = parsed;
  const problem = headerProblem(jws.header, ARTIFACT_TYP);
  if (problem) return fail("bad_header", problem);
  const kid = jws.header["kid"] as string;
  const key = checked.trustedKeys.find((k) => k.keyId === kid);
  if (!key) return fail("unknown_key", `artifact is signed by key ${shownName(kid)}, which is not a trusted issuer`);
  if (!verifyJws(jws, key.bytes, checked.path)) return fail("bad_signature", `signature does not verify with key ${shownName(kid)}`);

  const payload = parseStatement(jws.payload);
  if (!payload.ok) return fail("malformed", payload.message);
  const { statement } = payload;
  if (statement.iss !== kid) return fail("malformed", `statement issuer ${shownName(statement.iss)} is not the signing key ${shownName(kid)}`);
  return statementFailure(statement, checked) ?? { ok: true, statement };
}
