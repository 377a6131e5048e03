// Just enough JSON Schema (draft-04) to check task.json against Microsoft's tasks.schema.json
// without adding a validator dependency. Supports the keywords that schema uses; any other
// validation keyword throws, so a schema update cannot be silently half-checked.

type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', 'id', 'title', 'description', 'default', 'definitions']);
const SUPPORTED = new Set(['$ref', 'type', 'enum', 'pattern', 'properties', 'additionalProperties', 'required', 'items', 'anyOf']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Returns a list of "path: problem" strings; empty when `value` is valid. */
export function validate(value: unknown, rootSchema: Schema): string[] {
  const errors: string[] = [];

  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#/')) throw new Error(`unsupported $ref ${ref}`);
    let node: unknown = rootSchema;
    for (const part of ref.slice(2).split('/')) node = (node as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (!node || typeof node !== 'object') throw new Error(`unresolvable $ref ${ref}`);
    return node as Schema;
  };

  const check = (v: unknown, s: Schema, at: string, out: string[]): void => {
    for (const key of Object.keys(s)) {
      if (!ANNOTATIONS.has(key) && !SUPPORTED.has(key)) throw new Error(`schema keyword "${key}" at ${at} is not supported`);
    }
    if (typeof s.$ref === 'string') {
      check(v, resolve(s.$ref), at, out); // draft-04: $ref replaces its siblings
      return;
    }
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => hasType(v, t))) {
        out.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
      out.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    }
    if (typeof s.pattern === 'string' && typeof v === 'string' && !new RegExp(s.pattern).test(v)) {
      out.push(`${at}: "${v}" does not match /${s.pattern}/`);
    }
    if (Array.isArray(s.anyOf)) {
      const branches = (s.anyOf as Schema[]).map((sub) => {
        const e: string[] = [];
        check(v, sub, at, e);
        return e;
      });
      if (!branches.some((e) => e.length === 0)) out.push(`${at}: matches none of anyOf (${branches.map((e) => e[0]).join('; ')})`);
    }
    if (typeOf(v) === 'array' && s.items !== undefined) {
      const arr = v as unknown[];
      if (Array.isArray(s.items)) (s.items as Schema[]).forEach((sub, i) => i < arr.length && check(arr[i], sub, `${at}[${i}]`, out));
      else arr.forEach((item, i) => check(item, s.items as Schema, `${at}[${i}]`, out));
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const req of (s.required ?? []) as string[]) {
        if (!(req in obj)) out.push(`${at}: missing required property "${req}"`);
      }
      for (const [k, child] of Object.entries(obj)) {
        if (props[k]) check(child, props[k], `${at}.${k}`, out);
        else if (s.additionalProperties === false) out.push(`${at}: unexpected property "${k}"`);
        else if (s.additionalProperties && typeof s.additionalProperties === 'object') {
          check(child, s.additionalProperties as Schema, `${at}.${k}`, out);
        }
      }
    }
  };

  check(value, rootSchema, '$', errors);
  return errors;
}
