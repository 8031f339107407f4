// The digest an artifact carries for a request with no canonical JSON (a lone surrogate, nesting
// deeper than 256 levels): that of a fixed placeholder, the same for every such request. It names
// none of them, so neither `writ audit` nor `writ replay` takes an artifact carrying it to have been
// issued for the request in hand: audit matches no request to such a record, replay confirms nothing.

import { UNREPRESENTABLE_REQUEST } from "../../runtime/trust/request-digest.js";
import { sha3_512Hex } from "../../runtime/crypto/digest.js";

export const PLACEHOLDER_DIGEST = sha3_512Hex(UNREPRESENTABLE_REQUEST);

/** Why an artifact carrying PLACEHOLDER_DIGEST names no request, in the commands' words. */
export const PLACEHOLDER_NAMES_NO_REQUEST = `a request with no canonical JSON is digested as the placeholder ${UNREPRESENTABLE_REQUEST}, the same for every such request`;
