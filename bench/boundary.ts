// Boundary requests for the agreement check. The mix (mix.ts) is drawn at random and seldom lands on
// a rule's constants: an engine that decides `riskScore > 80` where the policy says `>= 80`, or that
// leaves out a conjunct such as `action.tool == "curl"`, can agree with Writ on every request of it.
// These requests sit on each side of every constant of the 12-rule policy, for every action and with
// each role present and absent, and exercise each of the 1,012-rule variant's (tool, role) permits.
// They are checked, never timed: the timed mix, and the figures measured on it, stay as they are.
//
// The constants are read from agent-governance.writ itself (scanPolicy), so a change to the policy
// changes the requests; a literal the scanner cannot place is an error, not a request left out.
// Run directly (`npx tsx bench/boundary.ts`) to print what was scanned and how many requests follow.

import { pathToFileURL } from "node:url";
import { readSmallPolicySource } from "./policies/generate-large.js";
import { largePermitPairs } from "./policies/large-permits.js";
import {
  BASE_ACTIONS,
  BASE_ROLES,
  GENERATED_ROLE_COUNT,
  PERMITTED_TOOL_COUNT,
  TENANTS,
  TOOL_ACTION,
  generatedRole,
  generatedTool,
  type BenchRequest,
} from "./request.js";

/** `path op constant`, e.g. `context.riskScore >= 80` */
export interface NumericAtom {
  readonly path: string;
  readonly op: string;
  readonly value: number;
}

/** `path op path`, e.g. `principal.clearance >= resource.sensitivity` or `principal.tenant != resource.owner` */
export interface RelationAtom {
  readonly left: string;
  readonly op: string;
  readonly right: string;
}

export interface ScannedRule {
  readonly effect: "permit" | "forbid";
  readonly name: string;
  readonly numeric: readonly NumericAtom[];
  readonly relations: readonly RelationAtom[];
  /** `path == "text"`: the rule can hold only on requests with these values */
  readonly equals: readonly { readonly path: string; readonly value: string }[];
  /** `path != "text"` */
  readonly differs: readonly { readonly path: string; readonly value: string }[];
  /** roles the rule tests for (`"x" in principal.roles`, `r == "x"` inside `principal.roles.exists`) */
  readonly roles: readonly string[];
}

const PATH = String.raw`(?:principal|action|resource|context)\.[A-Za-z_]\w*`;
const NUMERIC = new RegExp(String.raw`\b(${PATH})\s*(>=|<=|==|!=|<|>)\s*(-?\d+)\b`, "g");
const RELATION = new RegExp(String.raw`\b(${PATH})\s*(>=|<=|==|!=|<|>)\s*(${PATH})\b`, "g");
const STRING_COMPARISON = new RegExp(String.raw`\b(${PATH})\s*(==|!=)\s*"([^"]*)"`, "g");
const ROLE_IN = /"([^"]*)"\s+in\s+principal\.roles\b/g;
const ROLE_EXISTS = /principal\.roles\.exists\(\s*([A-Za-z_]\w*)\s*,([^)]*)\)/g;
/**
 * What is left of a literal once the atoms are taken: any quoted text in either quote, prefixed or
 * not (`'x'`, `r"x"`, `b"x"`), and any word holding a digit (`80`, `0x50`, the `5` of `1.5`). Broader
 * than the literals the atoms read, so that a form they do not read is an error, never skipped.
 */
const LITERAL = /[rRbB]*(?:"[^"]*"?|'[^']*'?)|\w*\d\w*/g;

/**
 * The rules of a policy text and the constants each one compares with. Every string or number
 * literal of a rule must belong to one of the atoms above: one that does not (a form this scanner
 * does not know) throws, naming the rule and the literal, rather than leaving its boundary untested.
 */
export function scanPolicy(source: string): ScannedRule[] {
  const withoutComments = source.replace(/\/\/[^\n]*/g, "");
  const heads = [...withoutComments.matchAll(/^(forbid|permit)\s+([A-Za-z_]\w*)/gm)];
  return heads.map((head, k) => {
    const body = withoutComments.slice(head.index! + head[0].length, heads[k + 1]?.index ?? withoutComments.length);
    return scanRule(head[1] as ScannedRule["effect"], head[2]!, body);
  });
}

function scanRule(effect: ScannedRule["effect"], name: string, body: string): ScannedRule {
  let rest = body;
  // each atom found is blanked out, so that what is left shows any literal no atom accounts for
  const take = (pattern: RegExp, use: (m: RegExpMatchArray) => void): void => {
    rest = rest.replace(pattern, (...args: unknown[]) => {
      const groups = args.slice(0, -2) as string[];
      use(groups as unknown as RegExpMatchArray);
      return " ".repeat(groups[0]!.length);
    });
  };
  const numeric: NumericAtom[] = [];
  const relations: RelationAtom[] = [];
  const equals: { path: string; value: string }[] = [];
  const differs: { path: string; value: string }[] = [];
  const roles: string[] = [];
  take(ROLE_EXISTS, (m) => {
    const variable = m[1]!;
    const inner = m[2]!.replace(new RegExp(String.raw`\b${variable}\s*==\s*"([^"]*)"`, "g"), (_all, role: string) => {
      roles.push(role);
      return "";
    });
    if (inner.match(LITERAL) !== null) throw new Error(`boundary.ts: rule ${name}: cannot read \`${m[0]}\``);
  });
  take(ROLE_IN, (m) => roles.push(m[1]!));
  take(STRING_COMPARISON, (m) => (m[2] === "==" ? equals : differs).push({ path: m[1]!, value: m[3]! }));
  take(NUMERIC, (m) => numeric.push({ path: m[1]!, op: m[2]!, value: Number(m[3]) }));
  take(RELATION, (m) => relations.push({ left: m[1]!, op: m[2]!, right: m[3]! }));
  const unread = rest.match(LITERAL);
  if (unread !== null) throw new Error(`boundary.ts: rule ${name}: cannot place the literal ${unread[0]} in a comparison it knows`);
  return { effect, name, numeric, relations, equals, differs, roles };
}

/**
 * The two values on either side of `x op c`: one where it holds and one where it does not, next to
 * each other (79 and 80 for `>= 80`, 80 and 81 for `> 80`); for == and != the value and both
 * neighbours.
 */
export function sides(op: string, c: number): number[] {
  if (op === ">=" || op === "<") return [c - 1, c];
  if (op === ">" || op === "<=") return [c, c + 1];
  return [c - 1, c, c + 1];
}

type Mutable = { -readonly [K in keyof BenchRequest]: { -readonly [F in keyof BenchRequest[K]]: BenchRequest[K][F] } };

/** Values that sit on no boundary of the policy: the base every variation starts from. */
const BENIGN = { clearance: 3, sensitivity: 2, amount: 10, hour: 12, riskScore: 10, approvals: 0 } as const;
/** a tool the policy does not name, in place of one it does */
const OTHER_TOOL = "wget";
const TOOL_RESOURCE_TYPE = "file";

function request(name: string, tool: string, type: string, roles: readonly string[]): Mutable {
  return {
    principal: { id: "agent-edge", roles: [...roles], clearance: BENIGN.clearance, tenant: TENANTS[0] },
    action: { name, tool },
    resource: { id: "edge-0001", type, owner: TENANTS[0], sensitivity: BENIGN.sensitivity },
    context: { amount: BENIGN.amount, hour: BENIGN.hour, riskScore: BENIGN.riskScore, approvals: BENIGN.approvals },
  };
}

function get(r: Mutable, path: string): unknown {
  const [object, field] = path.split(".") as [keyof Mutable, string];
  return (r[object] as Record<string, unknown>)[field];
}

function set(r: Mutable, path: string, value: unknown): Mutable {
  const copy = structuredClone(r);
  const [object, field] = path.split(".") as [keyof Mutable, string];
  (copy[object] as Record<string, unknown>)[field] = value;
  return copy;
}

/** Every combination of one value per path: a rule's atoms together (amount and approvals). */
function combinations(choices: ReadonlyMap<string, readonly number[]>): Map<string, number>[] {
  let out: Map<string, number>[] = [new Map()];
  for (const [path, values] of choices) out = out.flatMap((m) => values.map((v) => new Map([...m, [path, v]])));
  return out;
}

/**
 * The action, tool and resource type of each base: every action the policy names with its usual
 * tool, the generated tools' action with the first and last tool the large policy permits and the
 * first it does not, and for every tool the policy names, that tool under another action and the
 * action it goes with under another tool.
 */
interface BaseAction {
  readonly name: string;
  readonly tool: string;
  readonly type: string;
}

function baseActions(rules: readonly ScannedRule[]): BaseAction[] {
  const named = new Set(rules.flatMap((r) => r.equals.filter((e) => e.path === "action.name").map((e) => e.value)));
  const tools = new Set(rules.flatMap((r) => r.equals.filter((e) => e.path === "action.tool").map((e) => e.value)));
  const actions: BaseAction[] = BASE_ACTIONS.filter((a) => named.has(a.name)).map((a) => ({ name: a.name, tool: a.tool, type: a.resourceType }));
  for (const name of named) if (!actions.some((a) => a.name === name)) actions.push({ name, tool: OTHER_TOOL, type: TOOL_RESOURCE_TYPE });
  for (const t of [0, PERMITTED_TOOL_COUNT - 1, PERMITTED_TOOL_COUNT]) actions.push({ name: TOOL_ACTION, tool: generatedTool(t), type: TOOL_RESOURCE_TYPE });
  for (const tool of tools) {
    const usual = actions.find((a) => a.tool === tool);
    actions.push({ name: TOOL_ACTION, tool, type: usual?.type ?? TOOL_RESOURCE_TYPE });
    if (usual !== undefined) actions.push({ ...usual, tool: OTHER_TOOL });
  }
  return actions;
}

/**
 * No role, a role no rule names, each named role alone, all of them together, and a role the large
 * policy permits for the first and for the last tool it names (so that, under that policy, the
 * other rules' boundaries are crossed on requests one of its permits allows).
 */
function baseRoleSets(rules: readonly ScannedRule[]): string[][] {
  const named = [...new Set(rules.flatMap((r) => r.roles))];
  const unnamed = BASE_ROLES.find((r) => !named.includes(r)) ?? generatedRole(0);
  const { byTool } = largePermitPairs();
  const permitted = [0, PERMITTED_TOOL_COUNT - 1].map((t) => [[...byTool.get(generatedTool(t))!][0]!]);
  return [[], [unnamed], ...named.map((r) => [r]), named, ...permitted];
}

/** Whether `rule` can hold on `base` as far as its string equalities go (its action, its tool). */
function reachable(rule: ScannedRule, base: Mutable): boolean {
  return rule.equals.every((e) => e.path === "resource.type" || get(base, e.path) === e.value);
}

/**
 * The roles some permit allows whatever the request (`permit admin when "admin" in principal.roles`),
 * or, when no permit is that simple, every role the rules name: a principal the other rules' forbids
 * alone can deny.
 */
function allowingRoles(rules: readonly ScannedRule[]): string[] {
  const simple = rules.find(
    (r) => r.effect === "permit" && r.roles.length === 1 && r.numeric.length + r.relations.length + r.equals.length + r.differs.length === 0,
  );
  return simple !== undefined ? [...simple.roles] : [...new Set(rules.flatMap((r) => r.roles))];
}

/**
 * Each rule's constants on either side, on the bases the rule can hold on; and on the other bases
 * for a principal with `allowing` roles only, where a forbid that lost its action or tool would deny
 * what is otherwise allowed.
 */
function variations(rule: ScannedRule, base: Mutable, allowing: readonly string[]): Mutable[] {
  const out: Mutable[] = [];
  if (!reachable(rule, base) && JSON.stringify(base.principal.roles) !== JSON.stringify(allowing)) return out;
  const choices = new Map<string, number[]>();
  for (const atom of rule.numeric) choices.set(atom.path, [...new Set([...(choices.get(atom.path) ?? []), ...sides(atom.op, atom.value)])]);
  if (choices.size > 0) {
    for (const combination of combinations(choices)) {
      let r = base;
      for (const [path, value] of combination) r = set(r, path, value);
      out.push(r);
    }
  }
  for (const { left, op, right } of rule.relations) {
    const anchor = get(base, right);
    if (typeof anchor === "number") for (const v of sides(op, anchor)) out.push(set(base, left, v));
    else out.push(set(base, right, `${String(anchor)}-other`)); // equal on the base; now different
  }
  // a type the rule names, on every base (a secret, a url), and away from it on the base that has it
  for (const { path, value } of [...rule.equals, ...rule.differs]) {
    if (path !== "resource.type") continue;
    out.push(get(base, path) === value ? set(base, path, `${value}-other`) : set(base, path, value));
  }
  return out;
}

/**
 * The large policy's permits: each (tool, role) pair alone (allowed), and each tool with a role it
 * does not permit (denied), the roles taken in turn so that every role is also tried with a tool
 * that does not permit it.
 */
function permitRequests(): Mutable[] {
  const { permits, byTool } = largePermitPairs();
  const out = permits.map((p) => request(TOOL_ACTION, p.tool, TOOL_RESOURCE_TYPE, [p.role]));
  let next = 0;
  for (const [tool, roles] of byTool) {
    let role = generatedRole(next % GENERATED_ROLE_COUNT);
    while (roles.has(role)) role = generatedRole(++next % GENERATED_ROLE_COUNT);
    next++;
    out.push(request(TOOL_ACTION, tool, TOOL_RESOURCE_TYPE, [role]));
  }
  return out;
}

/** A principal with as many roles as the schema allows (16), the one that matters last. */
function longRoleList(rules: readonly ScannedRule[], maxRoles = 16): Mutable[] {
  const named = [...new Set(rules.flatMap((r) => r.roles))];
  const filler = Array.from({ length: maxRoles - 1 }, (_, i) => generatedRole(i));
  return named.map((role) => request(BASE_ACTIONS[0].name, BASE_ACTIONS[0].tool, BASE_ACTIONS[0].resourceType, [...filler, role]));
}

/**
 * The boundary requests for `source` (the 12-rule policy's text by default), deterministic and
 * without duplicates: every base (action × role set), each rule's constants on either side on the
 * bases it can hold on, the (tool, role) permits of the 1,012-rule variant, and long role lists.
 */
export function boundaryRequests(source: string = readSmallPolicySource()): BenchRequest[] {
  const rules = scanPolicy(source);
  const bases = baseActions(rules).flatMap((a) => baseRoleSets(rules).map((roles) => request(a.name, a.tool, a.type, roles)));
  const allowing = allowingRoles(rules);
  const all = [...bases, ...bases.flatMap((b) => rules.flatMap((rule) => variations(rule, b, allowing))), ...permitRequests(), ...longRoleList(rules)];
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const rule of scanPolicy(readSmallPolicySource())) console.log(JSON.stringify(rule));
  console.log(`boundary requests: ${boundaryRequests().length}`);
}
