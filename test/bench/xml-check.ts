// A small XML well-formedness check for the benchmark chart (no dependency): balanced and properly
// nested tags, quoted unique attributes, no stray `<` or `&` in text. Returns problems as values.

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
}

export interface XmlCheck {
  readonly problems: string[];
  /** every start (or self-closing) tag, in document order */
  readonly elements: XmlElement[];
}

const NAME = /^[A-Za-z_][\w.:-]*/;
const ATTRIBUTE = /^\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

export function checkXml(text: string): XmlCheck {
  const problems: string[] = [];
  const elements: XmlElement[] = [];
  const open: string[] = [];
  let i = 0;
  let rootSeen = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "<") {
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i + 4);
        if (end < 0) return { problems: [...problems, `unterminated comment at ${i}`], elements };
        i = end + 3;
        continue;
      }
      if (text.startsWith("<?", i)) {
        const end = text.indexOf("?>", i + 2);
        if (end < 0) return { problems: [...problems, `unterminated declaration at ${i}`], elements };
        i = end + 2;
        continue;
      }
      const close = text[i + 1] === "/";
      let j = i + (close ? 2 : 1);
      const name = NAME.exec(text.slice(j))?.[0];
      if (name === undefined) return { problems: [...problems, `bad tag name at ${i}`], elements };
      j += name.length;
      if (close) {
        const end = text.indexOf(">", j);
        if (end < 0 || text.slice(j, end).trim() !== "") return { problems: [...problems, `bad end tag </${name} at ${i}`], elements };
        const top = open.pop();
        if (top !== name) problems.push(`</${name}> at ${i} closes <${top ?? "nothing"}>`);
        i = end + 1;
        continue;
      }
      if (open.length === 0) {
        if (rootSeen) problems.push(`second root element <${name}> at ${i}`);
        rootSeen = true;
      }
      const attributes = new Map<string, string>();
      for (;;) {
        const m = ATTRIBUTE.exec(text.slice(j));
        if (m === null) break;
        if (attributes.has(m[1]!)) problems.push(`duplicate attribute ${m[1]} on <${name}> at ${i}`);
        attributes.set(m[1]!, m[3] ?? m[4] ?? "");
        j += m[0].length;
      }
      const rest = /^\s*(\/?)>/.exec(text.slice(j));
      if (rest === null) return { problems: [...problems, `malformed tag <${name} at ${i}: ${text.slice(j, j + 30)}`], elements };
      elements.push({ name, attributes });
      if (rest[1] !== "/") open.push(name);
      i = j + rest[0].length;
      continue;
    }
    if (c === "&" && !ENTITY.test(text.slice(i, i + 12))) problems.push(`bare & at ${i}`);
    if (c === ">" ) {
      // allowed in text by XML, but never produced by our escaping: flag it so escaping bugs show
      problems.push(`bare > at ${i}`);
    }
    if (open.length === 0 && c.trim() !== "") problems.push(`text outside the root element at ${i}`);
    i++;
  }
  if (open.length > 0) problems.push(`unclosed <${open.join("> <")}>`);
  if (!rootSeen) problems.push("no root element");
  return { problems, elements };
}
