// The object a host holds after loading a bundle. Kept in its own file so the trust layer
// (runtime/trust) can depend on the shape without depending on how a policy is loaded.

import type { Decision } from "./decision.js";
import type { Manifest } from "./manifest.js";
import type { DigestPair } from "./crypto/digest.js";

export interface DecidingPolicy {
  readonly name: string;
  readonly version: string;
  readonly manifest: Manifest;
  /** the module bytes the decisions come from */
  readonly module: Uint8Array;
  /** digests of `module` (equal to manifest.digests once the bundle is verified) */
  readonly digests: DigestPair;
  /** fail-closed: never throws; a bad request is a deny naming the field */
  decide(request: unknown): Decision;
}
