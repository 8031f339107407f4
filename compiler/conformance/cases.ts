// Turns a parsed conformance file (cel.expr.conformance.test.SimpleTestFile in text format) into
// cases: the expression, its bindings and declared variables, and what CEL says it yields. Values
// and types follow value.proto and checked.proto; kinds outside Writ's subset are kept so that
// classify.ts can name the feature. Never throws: malformed parts come back as problems with lines.

import { type TextprotoMessage, type TextprotoValue, fieldNamed, fieldsNamed, parseTextproto, textOf } from "./textproto.js";
import type { CelType, CelValue } from "./values.js";

export type Expected =
  | { readonly value: CelValue }
  | { readonly error: string }
  /** a result matcher Writ has no counterpart for (unknowns, check-only type deduction) */
  | { readonly unsupported: string };

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
}

export interface CaseProblem {
  readonly line: number;
  readonly message: string;
}

export interface ExtractedFile {
  readonly name: string;
  readonly cases: readonly ConformanceCase[];
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

function boolField(m: TextprotoMessage, name: string): boolean {
  const v = fieldNamed(m, name);
  if (v === undefined) return false;
  if (v.kind === "ident") return v.name === "true" || v.name === "True" || v.name === "t";
  if (v.kind === "number") return v.integer === 1n;
  return false;
}

/** cel.expr.Value → CelValue (undefined, with a problem recorded, when malformed). */
function convertValue(m: TextprotoMessage, problems: Problems): CelValue | undefined {
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
      return { kind: "null" };
    case "enum_value": {
      const e = asMessage(v);
      if (!e) return bad();
      const type = stringField(e, "type", problems);
      const n = fieldNamed(e, "value");
      return { kind: "enum", type, value: n?.kind === "number" ? n.float : 0 };
    }
    case "object_value": {
      const o = asMessage(v);
      if (!o) return bad();
      // google.protobuf.Any, in expanded form `[type.googleapis.com/x.Y] { ... }` or with type_url
      const expanded = o.fields.find((x) => x.name.startsWith("["));
      const typeUrl = expanded ? expanded.name.slice(1, -1) : stringField(o, "type_url", problems);
      return { kind: "object", typeUrl };
    }
    case "type_value":
      if (v.kind !== "string") return bad();
      return { kind: "type", name: textOf(v) ?? "" };
    case "list_value": {
      const l = asMessage(v);
      if (!l) return bad();
      const elements: CelValue[] = [];
      for (const e of fieldsNamed(l, "values")) {
        const em = asMessage(e);
        const ev = em && convertValue(em, problems);
        if (ev === undefined) return undefined;
        elements.push(ev);
      }
      return { kind: "list", elements };
    }
    case "map_value": {
      const mm = asMessage(v);
      if (!mm) return bad();
      const entries: { key: CelValue; value: CelValue }[] = [];
      for (const e of fieldsNamed(mm, "entries")) {
        const em = asMessage(e);
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
      problems.add(f.line, `unknown Value kind \`${f.name}\``);
      return undefined;
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
  const f = m.fields[m.fields.length - 1];
  const unsupported = (feature: string, name: string): CelType => ({ kind: "unsupported", feature, name });
  if (f === undefined) return unsupported("dyn", "dyn"); // an empty Type is `dyn` (the oneof is unset)
  const v = f.value;
  switch (f.name) {
    case "primitive":
      if (v.kind === "ident" && PRIMITIVES[v.name]) return PRIMITIVES[v.name]!;
      problems.add(f.line, "unknown primitive type");
      return unsupported("unknown types", "?");
    case "list_type": {
      const elem = asMessage(asMessage(v) && fieldNamed(asMessage(v)!, "elem_type"));
      return { kind: "list", element: elem ? convertType(elem, problems) : unsupported("dyn", "dyn") };
    }
    case "map_type": {
      const mm = asMessage(v);
      const k = asMessage(mm && fieldNamed(mm, "key_type"));
      const val = asMessage(mm && fieldNamed(mm, "value_type"));
      return {
        kind: "map",
        key: k ? convertType(k, problems) : unsupported("dyn", "dyn"),
        value: val ? convertType(val, problems) : unsupported("dyn", "dyn"),
      };
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
      problems.add(f.line, `unknown Type kind \`${f.name}\``);
      return unsupported("unknown types", f.name);
  }
}

function expectedOf(test: TextprotoMessage, problems: Problems): Expected | undefined {
  // the oneof result_matcher: the last one written wins, like proto parsing
  const matcher = [...test.fields]
    .reverse()
    .find((f) => ["value", "typed_result", "eval_error", "any_eval_errors", "unknown", "any_unknowns"].includes(f.name));
  if (boolField(test, "check_only")) return { unsupported: "check_only (type deduction)" };
  if (matcher === undefined) return { value: { kind: "bool", value: true } }; // simple.proto: unspecified means `true`
  const m = asMessage(matcher.value);
  if (!m) {
    problems.add(matcher.line, `\`${matcher.name}\` should be a message`);
    return undefined;
  }
  switch (matcher.name) {
    case "value": {
      const v = convertValue(m, problems);
      return v && { value: v };
    }
    case "typed_result": {
      const r = asMessage(fieldNamed(m, "result"));
      const v = r && convertValue(r, problems);
      return v && { value: v };
    }
    case "eval_error":
    case "any_eval_errors": {
      const sets = matcher.name === "eval_error" ? [m] : fieldsNamed(m, "errors").flatMap((s) => (asMessage(s) ? [asMessage(s)!] : []));
      const messages = sets.flatMap((s) =>
        fieldsNamed(s, "errors").map((e) => (asMessage(e) ? stringField(asMessage(e)!, "message", problems) : "")),
      );
      return { error: messages.filter((x) => x !== "").join("; ") || "error" };
    }
    default:
      return { unsupported: "unknowns" };
  }
}

function convertTest(
  file: string,
  section: string,
  test: TextprotoMessage,
  problems: Problems,
): ConformanceCase | undefined {
  const name = stringField(test, "name", problems);
  const expr = stringField(test, "expr", problems);
  const typeEnv: Record<string, CelType> = {};
  const declaredFunctions: string[] = [];
  for (const d of fieldsNamed(test, "type_env")) {
    const dm = asMessage(d);
    if (!dm) continue;
    const declName = stringField(dm, "name", problems);
    const ident = asMessage(fieldNamed(dm, "ident"));
    if (ident) {
      const t = asMessage(fieldNamed(ident, "type"));
      typeEnv[declName] = t ? convertType(t, problems) : { kind: "unsupported", feature: "dyn", name: "dyn" };
    } else {
      declaredFunctions.push(declName);
    }
  }
  const bindings: Record<string, CelValue> = {};
  const unsupportedBindings: string[] = [];
  for (const b of fieldsNamed(test, "bindings")) {
    const bm = asMessage(b);
    const key = bm?.fields.find((f) => f.name === "key")?.value;
    const ev = asMessage(bm && fieldNamed(bm, "value"));
    if (!bm || key?.kind !== "string" || !ev) {
      problems.add(b.line, "malformed binding");
      return undefined;
    }
    const keyText = textOf(key) ?? "";
    const value = asMessage(fieldNamed(ev, "value"));
    if (!value) {
      // ExprValue.error / ExprValue.unknown: a binding whose value is itself an error or unknown
      unsupportedBindings.push(keyText);
      continue;
    }
    const cv = convertValue(value, problems);
    if (cv === undefined) return undefined;
    bindings[keyText] = cv;
  }
  const expected = expectedOf(test, problems);
  if (expected === undefined) return undefined;
  return {
    file,
    section,
    name,
    expr,
    disableCheck: boolField(test, "disable_check"),
    disableMacros: boolField(test, "disable_macros"),
    container: stringField(test, "container", problems),
    bindings,
    typeEnv,
    declaredFunctions,
    unsupportedBindings,
    expected,
    line: test.line,
  };
}

/** Extracts every test of a parsed SimpleTestFile. `fallbackName` names a file without `name:`. */
export function extractCases(root: TextprotoMessage, fallbackName: string): ExtractedFile {
  const problems = new Problems();
  const file = stringField(root, "name", problems) || fallbackName;
  const cases: ConformanceCase[] = [];
  for (const s of fieldsNamed(root, "section")) {
    const sm = asMessage(s);
    if (!sm) continue;
    const section = stringField(sm, "name", problems);
    for (const t of fieldsNamed(sm, "test")) {
      const tm = asMessage(t);
      const c = tm && convertTest(file, section, tm, problems);
      if (c) cases.push(c);
      else if (!tm) problems.add(t.line, "`test` should be a message");
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
