// The host's stack running out inside an API that promises never to throw (or to throw only its own
// error class). Where it ran out, the handler is at the same depth: building a message there (a
// template string, an object literal, a call) can run out again and throw from the handler itself.
// So the failure given there is built beforehand and frozen, and the test below makes no call of its
// own and builds nothing.

/** V8's message for a call stack that ran out. */
const V8_STACK_MESSAGE = "Maximum call stack size exceeded";

/** Whether `e` is V8's error for a call stack that ran out. */
export function ranOutOfStack(e: unknown): boolean {
  return e instanceof RangeError && e.message === V8_STACK_MESSAGE;
}
