// The policies loaded for replay. loadPolicyForReplay reads bundles of earlier manifest formats too,
// whose module does not bind all of its manifest (the cost bound, whether it was optimised): such a
// policy may re-decide what was issued under it, but nothing new may be issued under it. The loaded
// policy is frozen, so it cannot carry a mark of its own; it is noted here instead, by identity, in
// a file of no imports that the loader (runtime/policy.ts) and the issuers (runtime/trust) both
// import without a cycle. A WeakSet holds no policy alive. Issuers accept any object with a
// policy's members, so this keeps a replay policy from being handed over by mistake, wrapped or not;
// a host that writes a decide of its own around one's (`(r) => p.decide(r)`) issues under its own
// name, as with any policy object it builds.

const loadedForReplay = new WeakSet<object>();

/**
 * Notes `policy` as loaded for replay (loadPolicyForReplay, tryLoadPolicyForReplay), and its `decide`
 * with it, and returns it. The function is what every copy of the policy shares (`{ ...policy }`,
 * `Object.create(policy)`, a Proxy, an object of its members picked by hand): a host that wraps the
 * policy it loaded for replay, to log or count its decisions, hands over that function still.
 */
export function markLoadedForReplay<T extends { readonly decide: unknown }>(policy: T): T {
  loadedForReplay.add(policy);
  if (typeof policy.decide === "function") loadedForReplay.add(policy.decide);
  return policy;
}

/**
 * Whether `policy` is one the replay loaders returned, or an object whose `decide` is one of theirs.
 * Reads `policy.decide` once (a host's getter may run; one that throws counts as no decide here, and
 * the issuer's own read then denies as it denies any faulty policy). Anything else is not.
 */
export function isLoadedForReplay(policy: unknown): boolean {
  if ((typeof policy !== "object" && typeof policy !== "function") || policy === null) return false;
  if (loadedForReplay.has(policy)) return true;
  let decide: unknown;
  try {
    decide = (policy as { decide?: unknown }).decide;
  } catch {
    return false;
  }
  return typeof decide === "function" && loadedForReplay.has(decide);
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
