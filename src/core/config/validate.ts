// Small schema checks for JSON configs: every error names the file and the bad key.

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly key: string,
    reason: string,
  ) {
    super(`${source}: ${key ? `key "${key}"` : 'config'} ${reason}`);
    this.name = 'ConfigError';
  }
}

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'string|null' | 'number|null' | 'any';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  min?: number;
  max?: number;
  /** Exclusive upper bound (Adam's betas: 1 would divide by a zero bias correction). */
  below?: number;
  /** Exclusive lower bound (Adam's epsilon: 0 divides 0 by 0 where a gradient stayed 0). */
  above?: number;
  oneOf?: readonly unknown[];
}

export type Schema = Record<string, FieldSpec>;

function typeMatches(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'string|null':
      return value === null || typeof value === 'string';
    case 'number|null':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    case 'any':
      return true;
  }
}

/**
 * Checks `value` against `schema`: unknown keys, missing required keys, wrong types and
 * out-of-range numbers are errors naming the key. Returns the object typed as T.
 */
export function validateConfig<T>(value: unknown, schema: Schema, source: string, path = ''): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(source, path, 'must be a JSON object');
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!Object.hasOwn(schema, key)) throw new ConfigError(source, path + key, `is not a known key (known: ${Object.keys(schema).join(', ')})`);
  }
  for (const [key, spec] of Object.entries(schema)) {
    const v = obj[key];
    const name = path + key;
    if (v === undefined) {
      if (spec.required) throw new ConfigError(source, name, 'is required');
      continue;
    }
    if (!typeMatches(v, spec.type)) throw new ConfigError(source, name, `must be ${spec.type}, got ${JSON.stringify(v)}`);
    if (typeof v === 'number') {
      if (spec.min !== undefined && v < spec.min) throw new ConfigError(source, name, `must be >= ${spec.min}, got ${v}`);
      if (spec.max !== undefined && v > spec.max) throw new ConfigError(source, name, `must be <= ${spec.max}, got ${v}`);
      if (spec.below !== undefined && !(v < spec.below)) throw new ConfigError(source, name, `must be < ${spec.below}, got ${v}`);
      if (spec.above !== undefined && !(v > spec.above)) throw new ConfigError(source, name, `must be > ${spec.above}, got ${v}`);
    }
    if (spec.oneOf && !spec.oneOf.includes(v)) {
      throw new ConfigError(source, name, `must be one of ${spec.oneOf.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`);
    }
  }
  return obj as T;
}

/** Parses JSON text, turning a syntax error into a ConfigError that names the file. */
export function parseJsonConfig(text: string, source: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new ConfigError(source, '', `is not valid JSON: ${(e as Error).message}`);
  }
}
