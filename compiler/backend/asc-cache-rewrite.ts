// The rewrite behind the asc code cache (asc-cache.ts): an ES module's text becomes an async function
// taking its imports as parameters and returning its namespace, so that vm.Script can compile it with
// V8 cachedData (Node 20 has no code cache for ES modules); and binaryen's embedded WebAssembly
// binary is cut out to a file of its own. Mechanical, and checked when a cache is built (asc-cache.ts).


export interface Binding {
  /** local name in the module */
  readonly local: string;
  /** imported name, or "*" for the namespace */
  readonly imported: string;
  readonly from: string;
}

export interface Rewritten {
  readonly text: string;
  readonly bindings: Binding[];
}

// `import*as X from"m"`, `import{default as X,a as b}from"m"`, `import X from"m"` for the bare
// specifiers this module graph links (the bundled standard library in asc.js is text that imports
// only relative paths and `shared/…`, so it never matches).
const IMPORT = /(?<![\w$.])import\s*(\*\s*as\s+[\w$]+|\{[^}]*\}|[\w$]+)\s*from\s*"(binaryen|long|assemblyscript)"\s*;?/g;
const EXPORT_LIST = /(?<![\w$.])export\s*\{([^}]*)\}\s*;?\s*(\/\/# sourceMappingURL=\S*\s*)?$/;

function parseImportClause(clause: string, from: string): Binding[] {
  clause = clause.trim();
  if (clause.startsWith("*")) return [{ local: clause.replace(/^\*\s*as\s+/, ""), imported: "*", from }];
  if (!clause.startsWith("{")) return [{ local: clause, imported: "default", from }];
  return clause
    .slice(1, -1)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const [imported, local] = s.split(/\s+as\s+/);
      return { local: (local ?? imported)!, imported: imported!, from };
    });
}

export function rewriteModule(text: string): Rewritten {
  const bindings: Binding[] = [];
  let out = text.replace(IMPORT, (_m, clause: string, from: string) => {
    bindings.push(...parseImportClause(clause, from));
    return "";
  });
  const exported = EXPORT_LIST.exec(out);
  if (!exported) throw new Error("no export list at the end of the module");
  const getters = exported[1]!
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const [local, name] = s.split(/\s+as\s+/);
      // getters keep ES module live-binding semantics
      return `get ${JSON.stringify(name ?? local)}() { return ${local}; }`;
    });
  out = `${out.slice(0, exported.index)}return Object.freeze({ __proto__: null, ${getters.join(", ")} });\n`;
  out = out.replace(/(?<![\w$.])import\.meta\.url(?![\w$])/g, "__writ_meta_url").replace(/(?<![\w$.])import\(/g, "__writ_import(");
  const params = ["__writ_meta_url", "__writ_import", "__writ_wasm", ...bindings.map((b) => b.local)];
  return { text: `(async function (${params.join(", ")}) {"use strict";\n${out}\n})`, bindings };
}

/** Cuts binaryen's embedded binary out: `decode(\`\0asm…\`)` becomes the parameter `__writ_wasm`. */
export function extractBinaryen(text: string): { text: string; wasm: Uint8Array } {
  const start = text.indexOf("(`\\0asm");
  if (start < 0) throw new Error("binaryen's embedded binary not found");
  let end = start + 2;
  for (; end < text.length; end++) {
    const c = text[end];
    if (c === "\\") end++;
    else if (c === "`") break;
    else if (c === "$" && text[end + 1] === "{") throw new Error("unexpected template substitution");
  }
  if (text[end] !== "`" || text[end + 1] !== ")") throw new Error("binaryen's embedded binary has no end");
  const call = /[\w$]+$/.exec(text.slice(Math.max(0, start - 40), start));
  if (!call) throw new Error("no decoder call before binaryen's embedded binary");
  const literal = new Function(`return ${text.slice(start + 1, end + 1)};`)() as string;
  // the decoder binaryen uses: (~c >> 8) & c, stored as a byte
  const wasm = new Uint8Array(literal.length);
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    wasm[i] = (~c >> 8) & c;
  }
  return { text: text.slice(0, start - call[0].length) + "__writ_wasm" + text.slice(end + 2), wasm };
}
