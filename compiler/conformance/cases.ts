// Turns a parsed conformance file (cel.expr.conformance.test.SimpleTestFile in text format) into
// cases: the expression, its bindings and declared variables, and what CEL says it yields. Values
// and types follow value.proto and checked.proto; kinds outside Writ's subset are kept so that
// classify.ts can name the feature. Never throws: malformed parts come back as problems with lines.
// Nothing is guessed at: a field the schema does not have (a misspelt `eval_eror` or `tset`), a
// non-repeated field given twice, two members of one oneof (`value` and `eval_error`) and a value
// that cannot be converted are problems. A test with a problem is still a case, carrying the
// problem, so the runner fails it rather than losing it; only what lies outside any test (a bad
// section, a text-format error) is a problem of the file.

import { type TextprotoField, type TextprotoMessage, type TextprotoValue, fieldNamed, fieldsNamed, parseTextproto, textOf } from "./textproto.js";
import type { CelType, CelValue } from "./values.js";

export type Expected =
  | { readonly value: CelValue }
  | { readonly error: string }
  /** a result matcher Writ has no counterpart for (unknowns, check-only type deduction) */
  | { readonly unsupported: string }
  /** the result matcher (named) could not be read: the case has a problem saying why */
  | { readonly unreadable: string };

export interface ConformanceCase {
  /** the file's `name` (e.g. `basic`), or its file name when it has none */
  readonly file: string;
  readonly section: string;
  readonly name: string;
  readonly expr: string;
  readonly disableCheck: boolean;
  readonly disableMacros: boolean;
  readonly container: string;
  readonly bindings: Readonly<Record<string, CelValue>>;
  /** declared identifiers (type_env `ident` decls); functions are recorded in `declaredFunctions` */
  readonly typeEnv: Readonly<Record<string, CelType>>;
  readonly declaredFunctions: readonly string[];
  /** bindings Writ cannot express (an ExprValue carrying an error or unknown set) */
  readonly unsupportedBindings: readonly string[];
  readonly expected: Expected;
  /** 1-based line of the `test` in its file */
  readonly line: number;
  /** what could not be read in this test (unknown fields, malformed values); empty when well formed */
  readonly problems: readonly CaseProblem[];
}

export interface CaseProblem {
  readonly line: number;
  readonly message: string;
}

export interface ExtractedFile {
  readonly name: string;
  readonly cases: readonly ConformanceCase[];
  /** problems outside any test (text-format errors, a malformed section); a test's own are on its case */
  readonly problems: readonly CaseProblem[];
}

class Problems {
  readonly list: CaseProblem[] = [];
  add(line: number, message: string): void {
    this.list.push({ line, message });
  }
}

function asMessage(v: TextprotoValue | undefined): TextprotoMessage | undefined {
  return v?.kind === "message" ? v : undefined;
}

/** `v` as a message, or undefined with a problem when it is a scalar where a message is needed. */
function messageField(v: TextprotoValue, name: string, problems: Problems): TextprotoMessage | undefined {
  const m = asMessage(v);
  if (!m) problems.add(v.line, `\`${name}\` should be a message`);
  return m;
}

// The fields of each message read here (simple.proto, value.proto, eval.proto, checked.proto). The
// reader knows no schema, so without this a misspelt field would simply be absent — a misspelt
// result matcher would silently mean `true`, a misspelt `test` would mean no tests, a misspelt
// `elem_type` would mean a list of `dyn`.
const SCHEMA = {
  SimpleTestFile: ["name", "description", "section"],
  SimpleTestSection: ["name", "description", "test"],
  SimpleTest: [
    "name", "description", "expr", "disable_macros", "disable_check", "check_only", "type_env", "container", "locale",
    "bindings", "value", "typed_result", "eval_error", "any_eval_errors", "unknown", "any_unknowns",
  ],
  TypedResult: ["result", "deduced_type"],
  ErrorSetMatcher: ["errors"],
  ErrorSet: ["errors"],
  Status: ["code", "message", "details"],
  Decl: ["name", "ident", "function"],
  IdentDecl: ["type", "value", "doc"],
  BindingsEntry: ["key", "value"],
  ExprValue: ["value", "error", "unknown"],
  Value: [
    "null_value", "bool_value", "int64_value", "uint64_value", "double_value", "string_value", "bytes_value",
    "enum_value", "object_value", "map_value", "list_value", "type_value",
  ],
  EnumValue: ["type", "value"],
  ListValue: ["values"],
  MapValue: ["entries"],
  MapEntry: ["key", "value"],
  Type: [
    "dyn", "null", "primitive", "wrapper", "well_known", "list_type", "map_type", "function", "type_param", "type",
    "error", "abstract_type", "message_type",
  ],
  ListType: ["elem_type"],
  MapType: ["key_type", "value_type"],
} as const satisfies Record<string, readonly string[]>;

type MessageName = keyof typeof SCHEMA;

// The repeated fields of each message (a map field, `bindings`, is an entry per occurrence); every
// other field may be given once. The text format refuses a non-repeated field given twice, and it
// refuses two members of one oneof, so neither is taken last-wins here: each is a problem.
const REPEATED = {
  SimpleTestFile: ["section"],
  SimpleTestSection: ["test"],
  SimpleTest: ["type_env", "bindings"],
  ErrorSetMatcher: ["errors"],
  ErrorSet: ["errors"],
  Status: ["details"],
  ListValue: ["values"],
  MapValue: ["entries"],
} as const satisfies { readonly [K in MessageName]?: readonly (typeof SCHEMA)[K][number][] };

// The oneofs of each message, by name: at most one member of each may be given.
const ONEOFS = {
  SimpleTest: { result_matcher: ["value", "typed_result", "eval_error", "any_eval_errors", "unknown", "any_unknowns"] },
  Decl: { decl_kind: ["ident", "function"] },
  ExprValue: { kind: ["value", "error", "unknown"] },
  Value: { kind: SCHEMA.Value },
  Type: { type_kind: SCHEMA.Type },
} as const satisfies { readonly [K in MessageName]?: Readonly<Record<string, readonly (typeof SCHEMA)[K][number][]>> };

/**
 * A problem for each field of `m` that message `type` does not have, for each repeat of a field that
 * is not repeated, and for each member of a oneof given after another member of it.
 */
function checkFields(m: TextprotoMessage, type: MessageName, problems: Problems): void {
  const known: readonly string[] = SCHEMA[type];
  const repeated: readonly string[] = (REPEATED as Partial<Record<MessageName, readonly string[]>>)[type] ?? [];
  const oneofs = Object.entries((ONEOFS as Partial<Record<MessageName, Record<string, readonly string[]>>>)[type] ?? {});
  const given = new Map<string, TextprotoField>(); // each non-repeated field's first occurrence
  const oneofGiven = new Map<string, TextprotoField>(); // each oneof's first member given
  for (const f of m.fields) {
    if (!known.includes(f.name)) {
      problems.add(f.line, `unknown field \`${f.name}\` in ${type}`);
      continue;
    }
    if (repeated.includes(f.name)) continue;
    const earlier = given.get(f.name);
    if (earlier) {
      problems.add(f.line, `field \`${f.name}\` of ${type} is given again (first on line ${earlier.line}); it is not repeated`);
      continue;
    }
    given.set(f.name, f);
    const oneof = oneofs.find(([, members]) => members.includes(f.name))?.[0];
    if (oneof === undefined) continue;
    const other = oneofGiven.get(oneof);
    if (other) {
      problems.add(f.line, `field \`${f.name}\` of ${type} is given along with \`${other.name}\` (line ${other.line}), another member of oneof \`${oneof}\``);
    } else {
      oneofGiven.set(oneof, f);
    }
  }
}

function stringField(m: TextprotoMessage, name: string, problems: Problems): string {
  const v = fieldNamed(m, name);
  if (v === undefined) return "";
  if (v.kind !== "string") {
    problems.add(v.line, `field \`${name}\` should be a string`);
    return "";
  }
  const text = textOf(v);
  if (text === undefined) problems.add(v.line, `field \`${name}\` is not valid UTF-8`);
  return text ?? "";
}

function boolField(m: TextprotoMessage, name: string, problems: Problems): boolean {
  const v = fieldNamed(m, name);
  if (v === undefined) return false;
  // the text format's spellings of a bool; anything else is not read as `false`
  if (v.kind === "ident" && ["true", "True", "t"].includes(v.name)) return true;
  if (v.kind === "ident" && ["false", "False", "f"].includes(v.name)) return false;
  if (v.kind === "number" && (v.integer === 0n || v.integer === 1n)) return v.integer === 1n;
  problems.add(v.line, `field \`${name}\` should be a bool`);
  return false;
}

/** cel.expr.Value → CelValue (undefined, with a problem recorded, when malformed). */
function convertValue(m: TextprotoMessage, problems: Problems): CelValue | undefined {
  checkFields(m, "Value", problems);
  const f = m.fields[m.fields.length - 1];
  if (f === undefined) {
    problems.add(m.line, "empty Value");
    return undefined;
  }
  const v = f.value;
  const bad = (): undefined => {
    problems.add(f.line, `malformed \`${f.name}\``);
    return undefined;
  };
  switch (f.name) {
    case "bool_value":
      if (v.kind === "ident" && (v.name === "true" || v.name === "false")) return { kind: "bool", value: v.name === "true" };
      if (v.kind === "number" && (v.integer === 0n || v.integer === 1n)) return { kind: "bool", value: v.integer === 1n };
      return bad();
    case "int64_value":
      if (v.kind !== "number" || v.integer === undefined || v.integer < -(1n << 63n) || v.integer >= 1n << 63n) return bad();
      return { kind: "int", value: v.integer };
    case "uint64_value":
      if (v.kind !== "number" || v.integer === undefined || v.integer < 0n || v.integer >= 1n << 64n) return bad();
      return { kind: "uint", value: v.integer };
    case "double_value":
      if (v.kind !== "number") return bad();
      return { kind: "double", value: v.float };
    case "string_value": {
      if (v.kind !== "string") return bad();
      const text = textOf(v);
      return text === undefined ? bad() : { kind: "string", value: text };
    }
    case "bytes_value":
      if (v.kind !== "string") return bad();
      return { kind: "bytes", value: v.bytes };
    case "null_value":
      if (!(v.kind === "ident" && v.name === "NULL_VALUE") && !(v.kind === "number" && v.integer === 0n)) return bad();
      return { kind: "null" };
    case "enum_value": {
      const e = asMessage(v);
      if (!e) return bad();
      checkFields(e, "EnumValue", problems);
      const type = stringField(e, "type", problems);
      const n = fieldNamed(e, "value");
      if (n !== undefined && (n.kind !== "number" || n.integer === undefined)) return bad();
      return { kind: "enum", type, value: n?.float ?? 0 };
    }
    case "object_value": {
      const o = asMessage(v);
      if (!o) return bad();
      // google.protobuf.Any, in expanded form `[type.googleapis.com/x.Y] { ... }` or with type_url
      const expanded = o.fields.find((x) => x.name.startsWith("["));
      const typeUrl = expanded ? expanded.name.slice(1, -1) : stringField(o, "type_url", problems);
      return { kind: "object", typeUrl };
    }
    case "type_value": {
      if (v.kind !== "string") return bad();
      const name = textOf(v);
      return name === undefined ? bad() : { kind: "type", name };
    }
    case "list_value": {
      const l = asMessage(v);
      if (!l) return bad();
      checkFields(l, "ListValue", problems);
      const elements: CelValue[] = [];
      for (const e of fieldsNamed(l, "values")) {
        // INVARIANT: every undefined here comes with a problem already recorded
        const em = messageField(e, "values", problems);
        const ev = em && convertValue(em, problems);
        if (ev === undefined) return undefined;
        elements.push(ev);
      }
      return { kind: "list", elements };
    }
    case "map_value": {
      const mm = asMessage(v);
      if (!mm) return bad();
      checkFields(mm, "MapValue", problems);
      const entries: { key: CelValue; value: CelValue }[] = [];
      for (const e of fieldsNamed(mm, "entries")) {
        const em = asMessage(e);
        if (em) checkFields(em, "MapEntry", problems);
        const k = asMessage(em && fieldNamed(em, "key"));
        const val = asMessage(em && fieldNamed(em, "value"));
        const key = k && convertValue(k, problems);
        const value = val && convertValue(val, problems);
        if (key === undefined || value === undefined) return bad();
        entries.push({ key, value });
      }
      return { kind: "map", entries };
    }
    default:
      return undefined; // not a Value field: checkFields has reported it
  }
}

const PRIMITIVES: Readonly<Record<string, CelType>> = {
  BOOL: { kind: "bool" },
  INT64: { kind: "int" },
  STRING: { kind: "string" },
  UINT64: { kind: "unsupported", feature: "uint", name: "uint" },
  DOUBLE: { kind: "unsupported", feature: "double", name: "double" },
  BYTES: { kind: "unsupported", feature: "bytes", name: "bytes" },
};

/** cel.expr.Type → CelType. */
function convertType(m: TextprotoMessage, problems: Problems): CelType {
  checkFields(m, "Type", problems);
  const f = m.fields[m.fields.length - 1];
  const unsupported = (feature: string, name: string): CelType => ({ kind: "unsupported", feature, name });
  const dyn = unsupported("dyn", "dyn");
  if (f === undefined) return dyn; // an empty Type is `dyn` (the oneof is unset)
  const v = f.value;
  /** the Type in field `name` of `parent`: `dyn` when absent (an unset Type); a problem when not a message */
  const typeIn = (parent: TextprotoMessage, name: string): CelType => {
    const t = fieldNamed(parent, name);
    const tm = t && messageField(t, name, problems);
    return tm ? convertType(tm, problems) : dyn;
  };
  switch (f.name) {
    case "primitive":
      if (v.kind === "ident" && Object.hasOwn(PRIMITIVES, v.name)) return PRIMITIVES[v.name]!;
      problems.add(f.line, "unknown primitive type");
      return unsupported("unknown types", "?");
    case "list_type": {
      const lm = messageField(v, "list_type", problems);
      if (!lm) return dyn;
      checkFields(lm, "ListType", problems);
      return { kind: "list", element: typeIn(lm, "elem_type") };
    }
    case "map_type": {
      const mm = messageField(v, "map_type", problems);
      if (!mm) return dyn;
      checkFields(mm, "MapType", problems);
      return { kind: "map", key: typeIn(mm, "key_type"), value: typeIn(mm, "value_type") };
    }
    case "null":
      return unsupported("null", "null_type");
    case "dyn":
      return unsupported("dyn", "dyn");
    case "message_type":
      return unsupported("proto messages", v.kind === "string" ? textOf(v) ?? "message" : "message");
    case "well_known":
      return unsupported(
        v.kind === "ident" && (v.name === "TIMESTAMP" || v.name === "DURATION") ? "timestamp/duration" : "well-known proto types",
        v.kind === "ident" ? v.name : "well_known",
      );
    case "wrapper":
      return unsupported("wrapper types", "wrapper");
    case "type":
      return unsupported("type values", "type");
    case "abstract_type":
      return unsupported("abstract types", "abstract");
    case "type_param":
      return unsupported("type parameters", "type_param");
    case "function":
      return unsupported("function types", "function");
    case "error":
      return unsupported("error type", "error");
    default:
      return unsupported("unknown types", f.name); // not a Type field: checkFields has reported it
  }
}

/** The messages of an ErrorSet's `errors` (Status), each checked against the schema. */
function errorMessages(set: TextprotoMessage, problems: Problems): string[] {
  checkFields(set, "ErrorSet", problems);
  return fieldsNamed(set, "errors").flatMap((e) => {
    const status = messageField(e, "errors", problems);
    if (!status) return [];
    checkFields(status, "Status", problems);
    return [stringField(status, "message", problems)];
  });
}

// Type deduction is not checked. The runner sees what compiled rules decide and what the
// interpreter computes, not the checker's types, and Writ's types (no dyn; `list<never>` for `[]`)
// do not map one to one onto CEL's deduced types. So a test asking for a type (check_only, or a
// typed_result's deduced_type) is unsupported, with that named as the feature, rather than passed on
// its value alone; it is not something the compiler must refuse (classify.ts: `matcher`).
export const CHECK_ONLY = "check_only (type deduction)";
export const DEDUCED_TYPE = "typed_result.deduced_type (type deduction)";

function expectedOf(test: TextprotoMessage, problems: Problems): Expected {
  // the oneof result_matcher: checkFields has reported a second member (and a repeat), failing the case
  const matcher = [...test.fields]
    .reverse()
    .find((f) => ["value", "typed_result", "eval_error", "any_eval_errors", "unknown", "any_unknowns"].includes(f.name));
  const checkOnly = boolField(test, "check_only", problems);
  const expected = matcher === undefined ? undefined : readMatcher(matcher, checkOnly, problems);
  if (expected !== undefined && "unreadable" in expected) return expected;
  if (checkOnly) return { unsupported: CHECK_ONLY }; // nothing is evaluated: no value or error to compare
  return expected ?? { value: { kind: "bool", value: true } }; // simple.proto: unspecified means `true`
}

/** One result matcher, read in full (so its problems are found) even when the test is check_only. */
function readMatcher(matcher: TextprotoField, checkOnly: boolean, problems: Problems): Expected {
  // INVARIANT: `unreadable` is returned only with a problem recorded, so the case fails
  const unreadable: Expected = { unreadable: matcher.name };
  const m = messageField(matcher.value, matcher.name, problems);
  if (!m) return unreadable;
  switch (matcher.name) {
    case "value": {
      const v = convertValue(m, problems);
      return v ? { value: v } : unreadable;
    }
    case "typed_result": {
      checkFields(m, "TypedResult", problems);
      const t = fieldNamed(m, "deduced_type");
      const type = t && messageField(t, "deduced_type", problems);
      if (type) convertType(type, problems);
      const r = fieldNamed(m, "result");
      let v: CelValue | undefined;
      if (r !== undefined) {
        const rm = messageField(r, "result", problems);
        v = rm && convertValue(rm, problems);
        if (v === undefined) return unreadable;
      } else if (!checkOnly) {
        // simple.proto ignores the result of a check_only test, so only such a test may leave it out
        problems.add(m.line, "`typed_result` has no `result` (and the test is not `check_only`)");
        return unreadable;
      }
      if (t !== undefined) return type ? { unsupported: DEDUCED_TYPE } : unreadable;
      return v ? { value: v } : { unsupported: CHECK_ONLY };
    }
    case "eval_error":
    case "any_eval_errors": {
      let sets = [m];
      if (matcher.name === "any_eval_errors") {
        checkFields(m, "ErrorSetMatcher", problems);
        sets = fieldsNamed(m, "errors").flatMap((s) => messageField(s, "errors", problems) ?? []);
      }
      const messages = sets.flatMap((s) => errorMessages(s, problems));
      return { error: messages.filter((x) => x !== "").join("; ") || "error" };
    }
    default:
      return { unsupported: "unknowns" };
  }
}

function convertTypeEnv(test: TextprotoMessage, problems: Problems): { typeEnv: Record<string, CelType>; declaredFunctions: string[] } {
  // no prototype: a name such as `__proto__` is declared like any other (assigned in an object
  // literal, it would set the prototype), and one never declared reads as undefined
  const typeEnv: Record<string, CelType> = Object.create(null) as Record<string, CelType>;
  const declaredFunctions: string[] = [];
  for (const d of fieldsNamed(test, "type_env")) {
    const dm = messageField(d, "type_env", problems);
    if (!dm) continue;
    checkFields(dm, "Decl", problems);
    const declName = stringField(dm, "name", problems);
    const identField = fieldNamed(dm, "ident");
    if (identField !== undefined) {
      const ident = messageField(identField, "ident", problems);
      if (!ident) continue;
      checkFields(ident, "IdentDecl", problems);
      const t = fieldNamed(ident, "type");
      const tm = t && messageField(t, "type", problems);
      typeEnv[declName] = tm ? convertType(tm, problems) : { kind: "unsupported", feature: "dyn", name: "dyn" };
    } else {
      declaredFunctions.push(declName);
    }
  }
  return { typeEnv, declaredFunctions };
}

function convertBindings(test: TextprotoMessage, problems: Problems): { bindings: Record<string, CelValue>; unsupportedBindings: string[] } {
  const bindings: Record<string, CelValue> = Object.create(null) as Record<string, CelValue>; // as typeEnv
  const unsupportedBindings: string[] = [];
  for (const b of fieldsNamed(test, "bindings")) {
    const bm = asMessage(b);
    const key = bm?.fields.find((f) => f.name === "key")?.value;
    const ev = asMessage(bm && fieldNamed(bm, "value"));
    if (!bm || key?.kind !== "string" || !ev) {
      problems.add(b.line, "malformed binding");
      continue;
    }
    checkFields(bm, "BindingsEntry", problems);
    checkFields(ev, "ExprValue", problems);
    const keyText = textOf(key) ?? "";
    const value = asMessage(fieldNamed(ev, "value"));
    if (!value) {
      // ExprValue.error / ExprValue.unknown: a binding whose value is itself an error or unknown
      unsupportedBindings.push(keyText);
      continue;
    }
    const cv = convertValue(value, problems);
    if (cv !== undefined) bindings[keyText] = cv;
  }
  return { bindings, unsupportedBindings };
}

/** One test as a case; what cannot be read is on the case's `problems` (it is never dropped). */
function convertTest(file: string, section: string, test: TextprotoMessage): ConformanceCase {
  const problems = new Problems();
  checkFields(test, "SimpleTest", problems);
  const name = stringField(test, "name", problems);
  const expr = stringField(test, "expr", problems);
  const { typeEnv, declaredFunctions } = convertTypeEnv(test, problems);
  const { bindings, unsupportedBindings } = convertBindings(test, problems);
  const expected = expectedOf(test, problems);
  return {
    file,
    section,
    name,
    expr,
    disableCheck: boolField(test, "disable_check", problems),
    disableMacros: boolField(test, "disable_macros", problems),
    container: stringField(test, "container", problems),
    bindings,
    typeEnv,
    declaredFunctions,
    unsupportedBindings,
    expected,
    line: test.line,
    problems: problems.list,
  };
}

/** Extracts every test of a parsed SimpleTestFile. `fallbackName` names a file without `name:`. */
export function extractCases(root: TextprotoMessage, fallbackName: string): ExtractedFile {
  const problems = new Problems();
  checkFields(root, "SimpleTestFile", problems);
  const file = stringField(root, "name", problems) || fallbackName;
  const cases: ConformanceCase[] = [];
  for (const s of fieldsNamed(root, "section")) {
    const sm = messageField(s, "section", problems);
    if (!sm) continue;
    checkFields(sm, "SimpleTestSection", problems);
    const section = stringField(sm, "name", problems);
    for (const t of fieldsNamed(sm, "test")) {
      const tm = messageField(t, "test", problems);
      if (tm) cases.push(convertTest(file, section, tm));
    }
  }
  return { name: file, cases, problems: problems.list };
}

/** Parses and extracts a conformance file's text in one step; parse errors become problems. */
export function casesFromText(text: string, fallbackName: string): ExtractedFile {
  const parsed = parseTextproto(text);
  const extracted = extractCases(parsed.message, fallbackName);
  return { ...extracted, problems: [...parsed.errors, ...extracted.problems] };
}
