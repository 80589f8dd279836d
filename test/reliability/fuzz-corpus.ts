/**
 * A seeded corpus of malformed and odd requests for every inbound route: a valid body per route, then random
 * mutations of its value tree (wrong types, deep nesting, huge numbers, odd unicode, missing and unknown
 * fields), of its text (truncation, garbage, bad UTF-8, BOMs, duplicate keys) and of its headers and path
 * (content types, credentials, bad percent-encoding). The same seed always yields the same corpus.
 */

/** The error body each route documents: OpenAI's, Anthropic's or Ollama's. */
export type ErrorShape = 'openai' | 'anthropic' | 'ollama';

export interface FuzzRequest {
  index: number;
  route: string;
  shape: ErrorShape;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  path: string;
  headers: Record<string, string | string[]>;
  body?: Buffer;
  /** What was done to the request, for failure messages. */
  mutations: string[];
}

/** mulberry32: tiny, fast, and good enough to spread a corpus; deterministic for a seed. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

interface RouteSeed {
  route: string;
  shape: ErrorShape;
  method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** A path, or a template with `{id}` filled by a fuzzed path segment. */
  path: string;
  /** A valid body to mutate (POST/PATCH only). */
  body?: () => unknown;
  /** Which credential the route takes: a virtual key or the master key. */
  auth: 'key' | 'master';
}

const USER = () => [{ role: 'user', content: 'hi' }];
/** A 1×1 PNG: image parts that need no fetch. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const TOOL_PARAMETERS = () => ({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });

/** Richer valid bodies, so mutations land inside tools, images, schemas and tool turns too. */
export const RICH_BODIES: Record<string, () => Record<string, unknown>> = {
  chat: () => ({
    model: 'fault-model',
    max_tokens: 16,
    n: 1,
    stop: ['\n\n'],
    temperature: 0.5,
    messages: [
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'low' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
    ],
    tools: [{ type: 'function', function: { name: 'weather', parameters: TOOL_PARAMETERS() } }],
    tool_choice: 'auto',
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: TOOL_PARAMETERS() } },
    stream_options: { include_usage: true },
  }),
  messages: () => ({
    model: 'fault-model',
    max_tokens: 16,
    system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ],
    tools: [{ name: 'weather', input_schema: TOOL_PARAMETERS() }],
    tool_choice: { type: 'auto' },
    thinking: { type: 'enabled', budget_tokens: 1024 },
  }),
  responses: () => ({
    model: 'fault-model',
    instructions: 'be brief',
    max_output_tokens: 16,
    input: [
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'what is this?' },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG}` },
        ],
      },
      { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    ],
    tools: [{ type: 'function', name: 'weather', parameters: TOOL_PARAMETERS() }],
    text: { format: { type: 'json_schema', name: 'answer', schema: TOOL_PARAMETERS() } },
  }),
  'ollama-chat': () => ({
    model: 'fault-model',
    stream: false,
    format: TOOL_PARAMETERS(),
    options: { num_predict: 16, temperature: 0.2, stop: ['\n'] },
    messages: [
      { role: 'user', content: 'what is this?', images: [PNG] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }] },
      { role: 'tool', tool_name: 'weather', content: 'sunny' },
    ],
    tools: [{ type: 'function', function: { name: 'weather', parameters: TOOL_PARAMETERS() } }],
  }),
};

export const FUZZ_ROUTES: readonly RouteSeed[] = [
  {
    route: 'chat',
    shape: 'openai',
    method: 'POST',
    path: '/v1/chat/completions',
    auth: 'key',
    body: () => ({ model: 'fault-model', messages: USER(), max_tokens: 16 }),
  },
  {
    route: 'embeddings',
    shape: 'openai',
    method: 'POST',
    path: '/v1/embeddings',
    auth: 'key',
    body: () => ({ model: 'fault-model', input: 'hello' }),
  },
  {
    route: 'completions',
    shape: 'openai',
    method: 'POST',
    path: '/v1/completions',
    auth: 'key',
    body: () => ({ model: 'fault-model', prompt: 'hi', max_tokens: 16 }),
  },
  {
    route: 'responses',
    shape: 'openai',
    method: 'POST',
    path: '/v1/responses',
    auth: 'key',
    body: () => ({ model: 'fault-model', input: 'hi', max_output_tokens: 16 }),
  },
  {
    route: 'messages',
    shape: 'anthropic',
    method: 'POST',
    path: '/v1/messages',
    auth: 'key',
    body: () => ({ model: 'fault-model', max_tokens: 16, messages: USER() }),
  },
  {
    route: 'ollama-chat',
    shape: 'ollama',
    method: 'POST',
    path: '/api/chat',
    auth: 'key',
    body: () => ({ model: 'fault-model', messages: USER(), stream: false, options: { num_predict: 16 } }),
  },
  {
    route: 'ollama-generate',
    shape: 'ollama',
    method: 'POST',
    path: '/api/generate',
    auth: 'key',
    body: () => ({ model: 'fault-model', prompt: 'hi', stream: false, options: { num_predict: 16 } }),
  },
  {
    route: 'ollama-embed',
    shape: 'ollama',
    method: 'POST',
    path: '/api/embed',
    auth: 'key',
    body: () => ({ model: 'fault-model', input: 'hi' }),
  },
  {
    route: 'admin-create-key',
    shape: 'openai',
    method: 'POST',
    path: '/admin/keys',
    auth: 'master',
    body: () => ({ name: 'fuzz', credits: 1, models: ['fault-*'], rpm: 100, metadata: { team: 'a' } }),
  },
  {
    route: 'admin-update-key',
    shape: 'openai',
    method: 'PATCH',
    path: '/admin/keys/{id}',
    auth: 'master',
    body: () => ({ name: 'renamed', rpm: 10, metadata: { team: 'b' } }),
  },
  { route: 'admin-get-key', shape: 'openai', method: 'GET', path: '/admin/keys/{id}', auth: 'master' },
  { route: 'admin-delete-key', shape: 'openai', method: 'DELETE', path: '/admin/keys/{id}', auth: 'master' },
  { route: 'model', shape: 'openai', method: 'GET', path: '/v1/models/{id}', auth: 'key' },
];

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u2066evil',
  '\ufeff',
  '🦙🦙',
  'e\u0301\u0301\u0301\u0301',
  '\u2028\u2029',
  '\\u0000',
  '${{7*7}}',
  "'; DROP TABLE usage; --",
  '../../../etc/passwd',
  'gemini/x/../../v1beta/cachedContents?y=#',
  '%E0%A4%A',
  'data:image/png;base64,%%%',
  'x'.repeat(70_000),
  'ｆａｕｌｔ',
];

const ODD_NUMBERS = [0, -0, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER];

/** Number literals JSON allows in text but JavaScript cannot hold exactly (or at all). */
const HUGE_NUMBER_TEXT = [
  '1e999999',
  '-1e999999',
  '123456789012345678901234567890123456789',
  '0.0000000000000000000000000000000000001',
  '1E+400',
  '-0.0e-0',
  `1${'0'.repeat(5000)}`,
];

const DEPTHS = [64, 127, 128, 129, 500, 5000, 100_000];

function oddValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 5 : 8)) {
    case 0:
      return random.pick(ODD_STRINGS);
    case 1:
      return random.pick(ODD_NUMBERS);
    case 2:
      return random.pick([true, false, null]);
    case 3:
      return random.pick(['fault-model', 'user', 'assistant', 'system', 'tool', 'text', 'image_url', 'function']);
    case 4:
      return random.int(100_000) - 50_000;
    case 5:
      return Array.from({ length: random.int(4) }, () => oddValue(random, depth + 1));
    case 6:
      return Object.fromEntries(
        Array.from({ length: random.int(4) }, () => [random.pick(FIELD_NAMES), oddValue(random, depth + 1)]),
      );
    default:
      return nested(random.pick([3, 10, 40]), random.chance(0.5) ? 'array' : 'object');
  }
}

const FIELD_NAMES = [
  'model',
  'messages',
  'role',
  'content',
  'type',
  'text',
  'image_url',
  'url',
  'tools',
  'function',
  'parameters',
  'tool_choice',
  'response_format',
  'json_schema',
  'schema',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'n',
  'stop',
  'input',
  'prompt',
  'options',
  'format',
  'images',
  'system',
  'metadata',
  'credits',
  'models',
  'rpm',
  'tpm',
  'expiresAt',
  '__proto__',
  'constructor',
];

function nested(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

/** Text of `depth` nested containers, built as text (deep values would overflow `JSON.stringify`). */
function nestedText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}1${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

type Path = (string | number)[];

/** Every path to a value inside `value` (the root excluded). */
function pathsOf(value: unknown, prefix: Path = [], into: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      into.push([...prefix, index]);
      pathsOf(item, [...prefix, index], into);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      into.push([...prefix, key]);
      pathsOf(item, [...prefix, key], into);
    }
  }
  return into;
}

function containerAt(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let current = root;
  for (const step of path.slice(0, -1)) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return typeof current === 'object' && current !== null ? (current as Record<string | number, unknown>) : undefined;
}

/** A placeholder replaced by raw text after serialisation (deep nesting, huge number literals). */
const RAW_MARK = '\u0001raw\u0001';

/** One structural mutation of a body; returns its description. Raw texts are spliced in later. */
function mutateTree(random: Random, body: Record<string, unknown>, raws: string[]): string {
  const paths = pathsOf(body);
  if (paths.length === 0) {
    body.model = oddValue(random);
    return 'refill model';
  }
  const path = random.pick(paths);
  const container = containerAt(body, path);
  const last = path[path.length - 1] as string | number;
  const where = path.join('.');
  switch (random.int(6)) {
    case 0: {
      if (container !== undefined) container[last] = oddValue(random);
      return `set ${where}`;
    }
    case 1: {
      if (container !== undefined) {
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
      }
      return `delete ${where}`;
    }
    case 2: {
      const target = random.chance(0.5) ? body : container;
      const name = random.pick(FIELD_NAMES);
      if (target !== undefined && !Array.isArray(target)) target[name] = oddValue(random);
      return `add ${name}`;
    }
    case 3: {
      const depth = random.pick(DEPTHS);
      const kind = random.chance(0.5) ? 'array' : 'object';
      raws.push(nestedText(depth, kind));
      if (container !== undefined) container[last] = RAW_MARK;
      return `nest ${where} ${depth} ${kind}s deep`;
    }
    case 4: {
      raws.push(random.pick(HUGE_NUMBER_TEXT));
      if (container !== undefined) container[last] = RAW_MARK;
      return `huge number at ${where}`;
    }
    default: {
      // The shapes a model field can take in a tool or schema: tools[].function.parameters, response_format.
      const depth = random.pick(DEPTHS);
      raws.push(nestedText(depth, 'object'));
      if (random.chance(0.5)) body.tools = [{ type: 'function', function: { name: 'f', parameters: RAW_MARK } }];
      else body.response_format = { type: 'json_schema', json_schema: { name: 'x', schema: RAW_MARK } };
      return `deep schema ${depth}`;
    }
  }
}

function serialise(body: unknown, raws: string[]): string {
  let text = JSON.stringify(body);
  for (const raw of raws) text = text.replace(JSON.stringify(RAW_MARK), raw);
  return text;
}

const WHOLE_BODIES = ['', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '{"model":', '{]', 'NaN', '\u0000'];

/** One mutation of the body's text; returns its description. */
function mutateText(random: Random, text: Buffer): { text: Buffer; what: string } {
  const at = random.int(text.length + 1);
  switch (random.int(8)) {
    case 0:
      return { text: text.subarray(0, at), what: `truncate at ${at}` };
    case 1: {
      const garbage = random.pick(['}', ']', ',', '"', '\\', ':', '\u0000', '/*', "'", 'NaN', '\n']);
      return {
        text: Buffer.concat([text.subarray(0, at), Buffer.from(garbage), text.subarray(at)]),
        what: `insert ${JSON.stringify(garbage)} at ${at}`,
      };
    }
    case 2: {
      const bad = random.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]);
      return {
        text: Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]),
        what: `bad UTF-8 at ${at}`,
      };
    }
    case 3:
      return { text: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]), what: 'BOM' };
    case 4:
      return {
        text: Buffer.concat([text, Buffer.from(random.pick([' x', '{}', '\n\n{"a":1}', '\u0000']))]),
        what: 'trailing text',
      };
    case 5: {
      const whole = random.pick(WHOLE_BODIES);
      return { text: Buffer.from(whole), what: `body ${JSON.stringify(whole)}` };
    }
    case 6: {
      // A duplicate key: JSON.parse keeps the last, a careless validator may read the first.
      const duplicated = text.toString('utf8').replace(/^\{/, '{"model":"other/../../x","max_tokens":-5,');
      return { text: Buffer.from(duplicated), what: 'duplicate keys' };
    }
    default: {
      const bytes = Buffer.from(Array.from({ length: 1 + random.int(64) }, () => random.int(256)));
      return { text: bytes, what: 'random bytes' };
    }
  }
}

const ID_SEGMENTS = [
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%00',
  '%2e%2e%2f%2e%2e%2fadmin',
  '..',
  '%C0%AF',
  '%FF%FE',
  '%F0%9F%A6%99',
  'fault-model',
  'ollama%2Ffault-model',
  'a/b/c',
  `${'x'.repeat(4000)}`,
  '%25%',
  'key%20with%20spaces',
  '?x=%',
  '%u0041',
  'abc%',
];

const CONTENT_TYPES = [
  'application/json',
  'text/plain',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json;;;',
  '',
  'application/ndjson',
];

/** Builds request `index` of the corpus; the same seed and index always give the same request. */
export function buildRequest(
  random: Random,
  index: number,
  credentials: { key: string; master: string; adminTargetId: string },
): FuzzRequest {
  const seed = random.pick(FUZZ_ROUTES);
  const mutations: string[] = [];
  const secret = seed.auth === 'master' ? credentials.master : credentials.key;
  const headers: Record<string, string | string[]> = { authorization: `Bearer ${secret}` };
  let path = seed.path;
  if (path.includes('{id}')) {
    // Admin calls aim at a key of their own, so a fuzzed revoke or update never locks out the fuzzing key.
    const real = seed.auth === 'master' ? credentials.adminTargetId : 'fault-model';
    const segment = random.chance(0.15) ? real : random.pick(ID_SEGMENTS);
    path = path.replace('{id}', segment);
    mutations.push(`path ${path.slice(0, 80)}`);
  }
  let body: Buffer | undefined;
  if (seed.body !== undefined) {
    const rich = RICH_BODIES[seed.route];
    const tree = (rich !== undefined && random.chance(0.5) ? rich() : seed.body()) as Record<string, unknown>;
    // Some go to the Ollama backend, so its adapter (images as base64, tools, format) meets the odd input too.
    if (tree.model === 'fault-model' && random.chance(0.4)) tree.model = 'ol/fault-model';
    const raws: string[] = [];
    const treeMutations = random.int(3) + (random.chance(0.2) ? 0 : 1);
    for (let step = 0; step < treeMutations; step++) mutations.push(mutateTree(random, tree, raws));
    body = Buffer.from(serialise(tree, raws));
    if (random.chance(0.3)) {
      const mutated = mutateText(random, body);
      body = mutated.text;
      mutations.push(mutated.what);
    }
    headers['content-type'] = 'application/json';
    if (random.chance(0.1)) {
      const contentType = random.pick(CONTENT_TYPES);
      if (contentType === '') delete headers['content-type'];
      else headers['content-type'] = contentType;
      mutations.push(`content-type ${JSON.stringify(contentType)}`);
    }
  }
  if (random.chance(0.08)) {
    const authorization = random.pick([
      '',
      'Bearer',
      'Bearer ',
      `bearer ${secret}`,
      `Bearer  ${secret}`,
      `Basic ${Buffer.from(`x:${secret}`).toString('base64')}`,
      'Bearer sk-lg-made-up-000000000000000000000000',
      `Bearer ${secret}x`,
      `Bearer ${'a'.repeat(5000)}`,
    ]);
    if (authorization === '') delete headers.authorization;
    else headers.authorization = authorization;
    mutations.push('authorization');
  }
  if (random.chance(0.04)) {
    const oddity = random.int(4);
    if (oddity === 0) headers.authorization = [`Bearer ${secret}`, 'Bearer sk-lg-someone-else-0000000000000000'];
    else if (oddity === 1) headers['content-type'] = ['application/json', 'text/plain'];
    else if (oddity === 2) for (let header = 0; header < 150; header++) headers[`x-fuzz-${header}`] = 'v';
    else headers.expect = '100-continue';
    mutations.push(`header oddity ${oddity}`);
  }
  if (random.chance(0.08)) {
    const [name, value] = random.pick([
      ['x-request-id', 'x'.repeat(2000)],
      ['x-request-id', '\u00ff\u00fe'],
      ['x-request-id', ''],
      ['content-encoding', 'gzip'],
      ['accept', 'text/event-stream'],
      ['accept-encoding', 'br;q=1.5, *;q=-1'],
      ['x-api-key', 'nope'],
      ['cache-control', 'no-cache, no-store, max-age=-1'],
      ['x-forwarded-for', '127.0.0.1, ::1, 999.999.999.999'],
      ['anthropic-version', '1999-01-01'],
    ] as const);
    headers[name] = value;
    mutations.push(`header ${name}`);
  }
  return {
    index,
    route: seed.route,
    shape: seed.shape,
    method: seed.method,
    path,
    headers,
    ...(body === undefined ? {} : { body }),
    mutations,
  };
}

/** A whole HTTP/1.1 request as bytes, mutated below the parser's level: framing, header lines, stray bytes. */
export interface RawFuzzRequest {
  index: number;
  bytes: Buffer;
  mutations: string[];
}

const RAW_INSERTS = ['\r', '\n', '\r\n', '\u0000', ' ', '\t', ':', '\r\n\r\n', '\u007f', '\u00ff', '%', 'chunked'];

/** Builds raw request `index`: a valid request with a key, then one to three byte-level mutations. */
export function buildRawRequest(random: Random, index: number, key: string): RawFuzzRequest {
  const seed = random.pick(FUZZ_ROUTES.filter((route) => route.body !== undefined && route.auth === 'key'));
  const body = JSON.stringify(seed.body?.());
  const lines = [
    `${seed.method} ${seed.path} HTTP/1.1`,
    'Host: 127.0.0.1',
    `Authorization: Bearer ${key}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  const mutations: string[] = [];
  const steps = 1 + random.int(3);
  for (let step = 0; step < steps; step++) {
    const line = random.int(lines.length);
    const text = lines[line] ?? '';
    switch (random.int(7)) {
      case 0: {
        const at = random.int(text.length + 1);
        const insert = random.pick(RAW_INSERTS);
        lines[line] = text.slice(0, at) + insert + text.slice(at);
        mutations.push(`insert ${JSON.stringify(insert)} in line ${line}`);
        break;
      }
      case 1:
        lines.splice(line, 1);
        mutations.push(`drop line ${line}`);
        break;
      case 2:
        lines.splice(line, 0, text);
        mutations.push(`repeat line ${line}`);
        break;
      case 3:
        lines[line] = random.chance(0.5) ? text.toUpperCase() : text.toLowerCase();
        mutations.push(`case of line ${line}`);
        break;
      case 4: {
        const header = random.pick([
          'Transfer-Encoding: chunked',
          'Content-Length: 0',
          `Content-Length: ${random.pick(['-1', '1e3', '99999999999999999999', ' 5', '0x10'])}`,
          `X-Long: ${'a'.repeat(random.pick([100, 9000, 20_000]))}`,
          'Expect: 100-continue',
          'Upgrade: h2c',
          'Connection: Upgrade, HTTP2-Settings',
        ]);
        lines.splice(1 + random.int(lines.length), 0, header);
        mutations.push(`add ${header.slice(0, 40)}`);
        break;
      }
      case 5: {
        const method = random.pick(['GET', 'PUT', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'BREW', 'P0ST', '']);
        lines[0] = `${method} ${seed.path} ${random.pick(['HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''])}`;
        mutations.push(`request line ${lines[0]}`);
        break;
      }
      default: {
        const at = random.int(text.length);
        const bytes = Buffer.from(text, 'latin1');
        if (bytes.length > 0) bytes[at] = random.int(256);
        lines[line] = bytes.toString('latin1');
        mutations.push(`byte ${at} of line ${line}`);
      }
    }
  }
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body)]);
  return { index, bytes, mutations };
}
