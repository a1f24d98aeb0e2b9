// Nothing invalid reaches the wire: for every kind of both directions, whatever a field
// is replaced with, the encoder gives an EncodeError or a line without CR/LF that
// decodes back to the very message it was given.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  CLIENT_COMMANDS,
  ENGINE_COMMANDS,
  EncodeError,
  encodeClientMessage,
  encodeEngineMessage,
  isKnownEventName,
  tryEncodeClientMessage,
  tryEncodeEngineMessage,
  type EngineMessage,
} from '@ace-rx/codec';
import { DIRECTIONS, type Direction } from './directions.js';
import { expectEqual } from './expect-equal.js';

const RUNS = Number(process.env['FC_RUNS'] ?? (process.env['CI'] ? 2000 : 500));

type Path = readonly (string | number)[];
const TRY: Record<string, (m: unknown) => { _tag: 'Left'; left: EncodeError } | { _tag: 'Right'; right: string }> = {
  'engine → client': tryEncodeEngineMessage,
  'client → engine': tryEncodeClientMessage,
};

/** Every leaf (string, number, boolean) of `value`, with its path. */
function leaves(value: unknown, path: Path = [], out: { path: Path; value: unknown }[] = []) {
  if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) leaves((value as Record<string, unknown>)[key], [...path, key], out);
  } else out.push({ path, value });
  return out;
}

/** The paths of the objects whose keys are free `key=value` params (or LOADRESP extras). */
function paramObjects(message: { kind: string; name?: unknown }, value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (typeof value !== 'object' || value === null) return out;
  const last = path[path.length - 1];
  const free = last === 'extra' || last === 'options' || (last === 'params' && path.length === 1 && !isKnownEventName(String(message.name)));
  if (free && !Array.isArray(value)) out.push(path);
  for (const key of Object.keys(value)) paramObjects(message, (value as Record<string, unknown>)[key], [...path, key], out);
  return out;
}

/** A copy of `value` (same prototypes, `__proto__` keys kept as own keys) with `change` applied at `path`. */
function changed(value: unknown, path: Path, change: (old: unknown) => unknown): unknown {
  if (path.length === 0) return change(value);
  const source = value as Record<string | number, unknown>;
  const copy = Array.isArray(value) ? [...value] : Object.create(Object.getPrototypeOf(value) as object | null);
  if (!Array.isArray(value)) {
    for (const key of Object.keys(source)) Object.defineProperty(copy, key, { value: source[key], enumerable: true, writable: true, configurable: true });
  }
  const [head, ...rest] = path;
  const next = changed(source[head!], rest, change);
  if (next === undefined) delete copy[head!];
  else Object.defineProperty(copy, head!, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

/** `object` with its key at `path` renamed by `rename`, in place of the same order. */
function renamedKey(message: unknown, objectPath: Path, key: string, to: string): unknown {
  return changed(message, objectPath, (object) => {
    const source = object as Record<string, unknown>;
    const copy = Object.create(Object.getPrototypeOf(object) as object | null) as Record<string, unknown>;
    for (const k of Object.keys(source)) Object.defineProperty(copy, k === key ? to : k, { value: source[k], enumerable: true, writable: true, configurable: true });
    return copy;
  });
}

/**
 * `value` as the encoder writes it: every -0 made 0, an empty `extra` left out (the rules:
 * -0 is written as 0, and an empty `extra` as no params, which read back so).
 */
function canonical(value: unknown): unknown {
  const zeroed = leaves(value).reduce((out, leaf) => (Object.is(leaf.value, -0) ? changed(out, leaf.path, () => 0) : out), value);
  const emptyExtras: Path[] = [];
  const find = (v: unknown, path: Path) => {
    if (typeof v !== 'object' || v === null) return;
    if (path[path.length - 1] === 'extra' && !Array.isArray(v) && Object.keys(v).length === 0) emptyExtras.push(path);
    for (const key of Object.keys(v)) find((v as Record<string, unknown>)[key], [...path, key]);
  };
  find(zeroed, []);
  return emptyExtras.reduce((out, path) => changed(out, path, () => undefined), zeroed);
}

/** The law: an EncodeError, or a line without CR/LF that decodes back to `message` (see {@link canonical}). */
function expectRefusedOrFaithful(direction: Direction, message: unknown): 'refused' | 'encoded' {
  const result = TRY[direction.name]!(message);
  // jest's matchers only when the plain check fails (the same conditions, a fraction of
  // the cost: this runs tens of thousands of times), so a failure reads as theirs.
  if (result._tag === 'Left') {
    if (!(result.left instanceof EncodeError) || result.left._tag !== 'EncodeError' || result.left.code !== 'ENCODE_ERROR') {
      expect(result.left).toBeInstanceOf(EncodeError);
      expect(result.left).toMatchObject({ _tag: 'EncodeError', code: 'ENCODE_ERROR' });
    }
    return 'refused';
  }
  const line = result.right;
  if (/[\r\n]/.test(line)) expect(line).not.toMatch(/[\r\n]/);
  expectEqual(direction.decode(line), { _tag: 'Right', right: canonical(message) });
  return 'encoded';
}

const inject = (s: string, c: string, at: number) => s.slice(0, at % (s.length + 1)) + c + s.slice(at % (s.length + 1));

const STRING_HOSTILE = ['\r', '\n', ' ', '\r\n', 'x\r\nSTART PID series 0', ' 0 0 0\r\nSTOP'];
const VALUE_HOSTILE: unknown[] = [undefined, null, NaN, Infinity, -Infinity, 1.5, -1, -0, 1e15, 2 ** 53, '7', '', true, {}, [], Symbol('s'), 10n];

describe.each(DIRECTIONS.map((d) => [d.name, d] as const))('%s encoders', (_name, direction) => {
  const kinds = Object.keys(direction.arbitraries);
  const samples = kinds.map((kind) => [kind, fc.sample(direction.arbitraries[kind]!, { numRuns: 8, seed: 42 })] as const);

  it('cover every kind the codec knows', () => {
    const commands: readonly string[] = direction.name.startsWith('engine') ? [...ENGINE_COMMANDS, 'SYNC', 'UNKNOWN'] : [...CLIENT_COMMANDS, 'UNKNOWN'];
    expect([...kinds].sort()).toEqual([...commands].sort());
  });

  it.each(samples)('%s: every field replaced by a hostile value is refused or carried faithfully', (_kind, messages) => {
    // Every field any sample of the kind has, so an optional field one sample lacks is
    // tried (added) on it too: on the samples of the same variant (the same state,
    // source type, EVENT name... all along the path), where the field belongs. (Fields
    // a variant does not have are not looked at by its encoder, nor written.)
    const sig = (node: unknown) => {
      const n = node as Record<string, unknown>;
      return Array.isArray(node) ? '[]' : `{${[n['kind'], n['name'], n['form'], n['state'], n['type']].join('/')}}`;
    };
    const variant = (message: unknown, path: Path): string | undefined => {
      let node = message;
      let out = '';
      for (const key of path.slice(0, -1)) {
        if (typeof node !== 'object' || node === null) return undefined;
        out += sig(node);
        node = (node as Record<string | number, unknown>)[key];
      }
      return typeof node === 'object' && node !== null ? out + sig(node) : undefined;
    };
    const seen = new Map<string, { path: Path; variant: string }>();
    for (const message of messages) {
      for (const { path } of leaves(message)) seen.set(JSON.stringify([variant(message, path), path]), { path, variant: variant(message, path)! });
    }
    const has = (message: unknown, path: Path, of: string) => variant(message, path) === of;
    for (const message of messages) {
      expectRefusedOrFaithful(direction, message);
      for (const { path, variant: of } of seen.values()) {
        if (!has(message, path, of)) continue;
        for (const replacement of VALUE_HOSTILE) expectRefusedOrFaithful(direction, changed(message, path, () => replacement));
      }
      for (const { path, value } of leaves(message)) {
        const replacements = typeof value === 'string' ? [...STRING_HOSTILE, ...STRING_HOSTILE.map((c) => inject(value, c, value.length >> 1))] : [];
        for (const replacement of [...replacements, ...VALUE_HOSTILE]) {
          expectRefusedOrFaithful(direction, changed(message, path, () => replacement));
        }
      }
      for (const objectPath of paramObjects(message as { kind: string }, message)) {
        const object = objectPath.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], message) as Record<string, unknown>;
        for (const key of Object.keys(object)) {
          for (const c of ['\r', '\n', ' ', '=']) expectRefusedOrFaithful(direction, renamedKey(message, objectPath, key, inject(key, c, 1)));
          expectRefusedOrFaithful(direction, renamedKey(message, objectPath, key, ''));
        }
      }
    }
  });

  it('property: any string field with \\r, \\n or a space in it is refused or carried faithfully', () => {
    const arbMessage = fc.oneof(...Object.values(direction.arbitraries));
    fc.assert(
      fc.property(arbMessage, fc.nat(), fc.constantFrom('\r', '\n', ' '), fc.nat(), fc.boolean(), (message, pick, c, at, renameKey) => {
        const keys = paramObjects(message as { kind: string }, message).flatMap((p) => {
          const object = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], message) as Record<string, unknown>;
          return Object.keys(object).map((key) => [p, key] as const);
        });
        if (renameKey && keys.length > 0) {
          const [objectPath, key] = keys[pick % keys.length]!;
          expectRefusedOrFaithful(direction, renamedKey(message, objectPath, key, inject(key, c, at)));
          return;
        }
        const strings = leaves(message).filter((leaf) => typeof leaf.value === 'string');
        if (strings.length === 0) return;
        const { path, value } = strings[pick % strings.length]!;
        expectRefusedOrFaithful(direction, changed(message, path, () => inject(value as string, c, at)));
      }),
      // Supplements the exhaustive per-field test above, which tries every field of every kind.
      { numRuns: RUNS * 2 },
    );
  });

  it('never throws from tryEncode*, even for values that throw when read', () => {
    const { proxy, revoke } = Proxy.revocable({ kind: 'STOP' }, {});
    revoke();
    const throwing = Object.defineProperty({ kind: 'LIVESEEK' }, 'position', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    const throwingKind = Object.defineProperty({}, 'kind', {
      get() {
        throw new Error('no kind');
      },
    });
    for (const value of [proxy, throwing, throwingKind]) {
      const result = TRY[direction.name]!(value);
      expect(result._tag).toBe('Left');
      if (result._tag === 'Left') expect(result.left).toBeInstanceOf(EncodeError);
    }
  });

  it('never throws from tryEncode*, for any value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ kind: fc.constantFrom(...kinds) }, { requiredKeys: [] })), (value) => {
        const result = TRY[direction.name]!(value);
        if (result._tag === 'Left') expect(result.left).toBeInstanceOf(EncodeError);
        else expect(result.right).not.toMatch(/[\r\n]/);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('what the encoders refuse', () => {
  const refused = (result: ReturnType<typeof tryEncodeClientMessage>) => {
    if (result._tag !== 'Left') throw new Error(`expected a refusal, got ${JSON.stringify(result.right)}`);
    return { kind: result.left.kind, field: result.left.field, reason: result.left.reason };
  };

  it('an infohash that would smuggle a second command into GETPID', () => {
    const ih = '4c78e1cf0df23b4f5a16a106829ebed710cb52e0';
    const message = { kind: 'GETPID', infohash: `${ih} 0 0 0\r\nSTART PID series 0`, developerId: 0, affiliateId: 0, zoneId: 0 } as const;
    expect(refused(tryEncodeClientMessage(message))).toEqual({ kind: 'GETPID', field: 'infohash', reason: 'must not contain whitespace or a control character' });
    expect(() => encodeClientMessage(message)).toThrow(EncodeError);
  });

  it('missing, NaN, fractional and negative numbers where the grammar wants an integer', () => {
    expect(refused(tryEncodeClientMessage({ kind: 'LIVESEEK' } as never))).toMatchObject({ field: 'position' });
    expect(refused(tryEncodeClientMessage({ kind: 'LIVESEEK', position: NaN }))).toMatchObject({ field: 'position', reason: 'must be an integer of at most 15 digits' });
    expect(refused(tryEncodeEngineMessage({ kind: 'AUTH', level: 1.5 }))).toMatchObject({ field: 'level' });
    expect(refused(tryEncodeClientMessage({ kind: 'DUR', url: 'http://x', durationMs: -1 }))).toMatchObject({ field: 'durationMs' });
    expect(refused(tryEncodeClientMessage({ kind: 'LOADASYNC', requestId: 1, source: { type: 'TORRENT', url: 'http://x', developerId: 0, affiliateId: Infinity, zoneId: 0 } }))).toMatchObject({
      field: 'source.affiliateId',
    });
    expect(refused(tryEncodeEngineMessage({ kind: 'STATUS', main: { state: 'dl', peers: NaN } }))).toMatchObject({ field: 'main.peers' });
    expect(refused(tryEncodeEngineMessage({ kind: 'START', form: 'positional', url: 'http://x', pos: 1e15 }))).toMatchObject({ field: 'pos' });
  });

  it('an unknown kind, source type, form or state', () => {
    expect(refused(tryEncodeClientMessage({ kind: 'NOPE' }))).toEqual({ kind: 'NOPE', field: 'kind', reason: 'is not a known kind' });
    expect(refused(tryEncodeClientMessage({ kind: 'LOAD', source: { type: 'MAGNET', url: 'x' } } as never))).toMatchObject({ field: 'source.type' });
    expect(refused(tryEncodeEngineMessage({ kind: 'START', form: 'sideways', url: 'http://x' } as never))).toMatchObject({ field: 'form' });
    expect(refused(tryEncodeEngineMessage({ kind: 'STATUS', main: { state: 'flying' } } as never))).toMatchObject({ field: 'main.state' });
  });

  it('START with no file index', () => {
    expect(refused(tryEncodeClientMessage({ kind: 'START', source: { type: 'PID', playerId: 'series', fileIndexes: [] } }))).toEqual({
      kind: 'START',
      field: 'source.fileIndexes',
      reason: 'must have at least 1 item',
    });
  });

  it('param keys with a space, CR, LF or =, and typed keys in extra', () => {
    expect(refused(tryEncodeClientMessage({ kind: 'SETOPTIONS', options: { 'a b': '1' } }))).toMatchObject({ field: 'options key "a b"' });
    expect(refused(tryEncodeClientMessage({ kind: 'SETOPTIONS', options: { 'a=b': '1' } }))).toMatchObject({ field: 'options key "a=b"' });
    expect(refused(tryEncodeClientMessage({ kind: 'HELLOBG', extra: { version: '5' } }))).toMatchObject({ field: 'extra.version' });
    expect(refused(tryEncodeClientMessage({ kind: 'SETOPTIONS', options: { a: 1 as unknown as string } }))).toMatchObject({ field: 'options.a' });
  });

  it('UNKNOWN lines with CR/LF or the command word of a known message', () => {
    expect(refused(tryEncodeEngineMessage({ kind: 'UNKNOWN', raw: 'FOO\r\nSTOP' }))).toMatchObject({ field: 'raw' });
    expect(refused(tryEncodeEngineMessage({ kind: 'UNKNOWN', raw: 'STOP now' }))).toMatchObject({ field: 'raw' });
    expect(refused(tryEncodeEngineMessage({ kind: 'UNKNOWN', raw: '##pid' }))).toMatchObject({ field: 'raw' });
    expect(refused(tryEncodeClientMessage({ kind: 'UNKNOWN', raw: 'LOAD PID 1' }))).toMatchObject({ field: 'raw' });
    expect(encodeEngineMessage({ kind: 'UNKNOWN', raw: 'FOO bar baz' })).toBe('FOO bar baz');
  });

  it('a positional START URL that would read back as the keyed form', () => {
    expect(refused(tryEncodeEngineMessage({ kind: 'START', form: 'positional', url: 'url=http://x' }))).toMatchObject({ field: 'url' });
    expect(encodeEngineMessage({ kind: 'START', form: 'keyed', url: 'http://x/a b' })).toBe('START url=http%3A%2F%2Fx%2Fa%20b');
  });

  it('LOADRESP extras that JSON cannot carry back the same', () => {
    const loadresp = (extra: Record<string, unknown>) => ({ kind: 'LOADRESP' as const, requestId: 1, response: { status: 1 as const, files: [], extra } });
    expect(refused(tryEncodeEngineMessage(loadresp({ x: NaN })))).toMatchObject({ field: 'response.extra.x' });
    expect(refused(tryEncodeEngineMessage(loadresp({ x: undefined })))).toMatchObject({ field: 'response.extra.x' });
    expect(refused(tryEncodeEngineMessage(loadresp({ x: new Date(0) })))).toMatchObject({ field: 'response.extra.x' });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(refused(tryEncodeEngineMessage(loadresp({ x: deep })))).toMatchObject({ reason: 'must nest at most 32 levels' });
    expect(refused(tryEncodeEngineMessage(loadresp({ files: [] })))).toMatchObject({ field: 'response.extra.files' });
  });

  it('spaces are fine where the grammar percent-encodes or JSON-escapes', () => {
    expect(encodeClientMessage({ kind: 'EVENT', name: 'seek', params: { position: 'a b\r\n' } })).toBe('EVENT seek position=a%20b%0D%0A');
    expect(encodeEngineMessage({ kind: 'INFO', id: 1, text: 'a b' })).toBe('INFO 1;a b');
    const withFile: EngineMessage = { kind: 'LOADRESP', requestId: 2, response: { status: 1, files: [{ name: 'a b\n.mp4', index: 0 }] } };
    expect(encodeEngineMessage(withFile)).toBe('LOADRESP 2 {"status":1,"files":[["a%20b%0A.mp4",0]]}');
  });

  it('writes -0 as 0, which decodes to 0', () => {
    expect(encodeEngineMessage({ kind: 'AUTH', level: -0 })).toBe('AUTH 0');
    expect(encodeEngineMessage({ kind: 'START', form: 'positional', url: 'http://x', pos: -0 })).toBe('START http://x pos=0');
  });
});
