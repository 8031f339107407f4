// The host's stack running out inside an API that promises never to throw (or to throw only its own
// error class). Where it ran out, the handler is at the same depth: building a message there (a
// template string, an object literal, a call) can run out again and throw from the handler itself.
// So the failure given there is built beforehand and frozen, and the test below makes no call of its
// own and builds nothing.

/**
 * V8's message for a call stack that ran out. A handler that must tell that error from others with no
 * call at all reads the error's `name` and `message` itself (and copies this constant into its own
 * module: a loader may hand an imported binding through a getter). Even ranOutOfStack can fail where
 * the stack just ran out: a function never called before is compiled at its first call, which takes
 * more stack than running it, and `instanceof` calls Function.prototype[Symbol.hasInstance]. V8's
 * error holds both as data, so reading them makes no call; a host's object whose `name` or `message`
 * is code of its own may throw there, and is not that error.
 */
export const V8_STACK_MESSAGE = "Maximum call stack size exceeded";

/**
 * Whether `e` is V8's error for a call stack that ran out. Never throws: a host's value whose
 * prototype cannot be asked for (a revoked Proxy) or whose `message` is a getter that throws is not
 * that error.
 */
export function ranOutOfStack(e: unknown): boolean {
  try {
    return e instanceof RangeError && e.message === V8_STACK_MESSAGE;
  } catch {
    return false;
  }
}
