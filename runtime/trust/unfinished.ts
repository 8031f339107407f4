// What a verifier that must never throw gives when it threw before it finished: a refusal, never
// a verification. Shared by verifyArtifact and verifyBatchedArtifact.

import type { ArtifactErrorCode } from "./types.js";
import { describeThrown } from "../thrown.js";
import { ranOutOfStack } from "../stack-ran-out.js";

export type Unfinished = { readonly ok: false; readonly code: ArtifactErrorCode; readonly message: string };

/**
 * The refusal verifyArtifact and verifyBatchedArtifact give when the host's stack runs out before
 * they have finished (they were called too deep): built once and frozen, since where it is given
 * not even an object can be made. An artifact not checked to the end is refused, never verified.
 */
export const STACK_RAN_OUT: Unfinished = Object.freeze({
  ok: false,
  code: "malformed",
  message: "the artifact was not verified: the host's stack ran out while it was being checked (the verifier was called too deep); it is refused unchecked",
});

/**
 * The refusal for a verification that threw before it finished: STACK_RAN_OUT when the stack ran
 * out. Called from the handler, where the stack may run out again: the caller gives STACK_RAN_OUT
 * when this throws.
 */
export function unfinished(e: unknown): Unfinished {
  if (ranOutOfStack(e)) return STACK_RAN_OUT;
  return { ok: false, code: "malformed", message: `the artifact could not be verified: ${describeThrown(e)}` };
}

