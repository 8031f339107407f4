// The policies loaded for replay. loadPolicyForReplay reads bundles of earlier manifest formats too,
// whose module does not bind all of its manifest (the cost bound, whether it was optimised): such a
// policy may re-decide what was issued under it, but nothing new may be issued under it. The loaded
// policy is frozen, so it cannot carry a mark of its own; it is noted here instead, by identity, in
// a file of no imports that the loader (runtime/policy.ts) and the issuers (runtime/trust) both
// import without a cycle. A WeakSet holds no policy alive, and asking it calls none of the host's
// code (no getter, no Proxy trap), so an issuer asks before it reads anything of the policy.

const loadedForReplay = new WeakSet<object>();

/** Notes `policy` as loaded for replay (loadPolicyForReplay, tryLoadPolicyForReplay) and returns it. */
export function markLoadedForReplay<T extends object>(policy: T): T {
  loadedForReplay.add(policy);
  return policy;
}

/** Whether `policy` is one the replay loaders returned. Anything else, objects or not, is not. */
export function isLoadedForReplay(policy: unknown): boolean {
  return typeof policy === "object" && policy !== null && loadedForReplay.has(policy);
}

/**
 * Why an issuer (`what`: authorize, guard, a batch authorizer) refuses a policy loaded for replay,
 * and what to do instead. Its artifacts would be signed and recorded under a bundle the deciding
 * load (loadPolicy) refuses, a `writ-manifest/1` bundle among them.
 */
export function loadedForReplayProblem(what: string): string {
  return (
    `${what} does not issue with a policy loaded for replay (loadPolicyForReplay or tryLoadPolicyForReplay): such a policy only re-decides what was issued under its bundle, ` +
    "which may be of an earlier manifest format that loadPolicy refuses; load the bundle with loadPolicy to issue decisions " +
    "(a `writ-manifest/1` bundle, compiled by an earlier writ, is compiled again with this writ, `writ compile`, and signed first); nothing was issued"
  );
}
