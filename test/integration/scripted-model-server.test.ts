/**
 * Scripted model server over real HTTP: the official `ollama` client and plain fetch (OpenAI
 * protocol) get the scripted answers, in order, with faults injected where the script says so.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Ollama, type ChatResponse } from 'ollama';
import { ATTEMPT_HEADER, TASK_HEADER, startScriptedModelServer, type ScriptedModelServer } from '../../scripted-model-server/server';
import { fileReply, loadModelScripts, ModelScriptError } from '../../scripted-model-server/scripts';

const API_KEY = 'test-key';
const KERNEL_V1 = '__global__ void add(float* a) { a[threadIdx.x] += 1.0f; }\n';
const KERNEL_V2 = '__global__ void add(float* a, int n) {\n  int i = blockIdx.x * blockDim.x + threadIdx.x;\n  if (i < n) a[i] += 1.0f;\n}\n';
const HOST_CPP = 'int main() { return 0; }\n';

let tmp: string;
let server: ScriptedModelServer;
const startLog: string[] = [];

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scripted-model-server-'));
  write('examples/vec-add/answers/v1.cu', KERNEL_V1);
  write('examples/vec-add/answers/v2.cu', KERNEL_V2);
  write('examples/vec-add/answers/main.cpp', HOST_CPP);
  write(
    'examples/vec-add/model-script.yaml',
    `# Scripted model server answers for this task (tests and the demo only; never a real model).
task: vec-add
models:
  coder:14b:
    - file: answers/v1.cu
      say: "First try."
    - text: "no code this time"
    - file: answers/v2.cu
  counter-model:
    - text: "one"
    - text: "two"
  faulty:
    - http_status: 500
    - file: answers/main.cpp
  cutter:
    - file: answers/v2.cu
      cut_short: true
  slow:
    - text: "slow but sure, and long enough to be split into several chunks"
      delay_ms: 300
`,
  );
  write(
    'examples/other/model-script.yaml',
    `task: other
models:
  other-model:
    - text: "other answer"
`,
  );
  const scripts = loadModelScripts(path.join(tmp, 'examples'));
  server = await startScriptedModelServer({ scripts, port: 0, apiKey: API_KEY, log: (l) => startLog.push(l) });
});

afterAll(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** An Ollama client as the project builds one: task and attempt in the headers. */
function client(task: string, attempt?: number): Ollama {
  const headers: Record<string, string> = { [TASK_HEADER]: task };
  if (attempt !== undefined) headers[ATTEMPT_HEADER] = String(attempt);
  return new Ollama({ host: server.url, headers });
}

async function streamChat(c: Ollama, model: string, prompt = 'write the kernel'): Promise<{ text: string; parts: ChatResponse[] }> {
  const parts: ChatResponse[] = [];
  for await (const part of await c.chat({ model, messages: [{ role: 'user', content: prompt }], stream: true })) parts.push(part);
  return { text: parts.map((p) => p.message.content).join(''), parts };
}

const V1_REPLY = fileReply('answers/v1.cu', KERNEL_V1, 'First try.');
const V2_REPLY = fileReply('answers/v2.cu', KERNEL_V2);

describe('scripted model server', () => {
  test('says what it is on start', () => {
    expect(startLog).toEqual([`scripted model server (tests and demo only, not a model) listening on ${server.url}`]);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('/api/tags lists every scripted model in Ollama shape; /api/version answers', async () => {
    const list = await new Ollama({ host: server.url }).list();
    expect(list.models.map((m) => m.name).sort()).toEqual(
      ['coder:14b', 'counter-model:latest', 'cutter:latest', 'faulty:latest', 'other-model:latest', 'slow:latest'].sort(),
    );
    const m = list.models[0];
    expect(m.model).toBe(m.name);
    expect(m.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof m.details.family).toBe('string');
    expect(typeof String(m.modified_at)).toBe('string');
    expect((await new Ollama({ host: server.url }).version()).version).toContain('scripted');
  });

  test('streaming chat gives the answers in order, in several chunks, and the last one repeats', async () => {
    const first = await streamChat(client('vec-add', 1), 'coder:14b');
    expect(first.text).toBe(V1_REPLY);
    expect(first.text).toContain('```cuda\n');
    expect(first.parts.length).toBeGreaterThan(3);
    const last = first.parts[first.parts.length - 1];
    expect(last.done).toBe(true);
    expect(last.done_reason).toBe('stop');
    expect(last.message.content).toBe('');
    expect(last.eval_count).toBeGreaterThan(0);
    expect(first.parts.slice(0, -1).every((p) => !p.done)).toBe(true);

    expect((await streamChat(client('vec-add', 2), 'coder:14b')).text).toBe('no code this time');
    expect((await streamChat(client('vec-add', 3), 'coder:14b')).text).toBe(V2_REPLY);
    expect((await streamChat(client('vec-add', 4), 'coder:14b')).text).toBe(V2_REPLY);
    expect((await streamChat(client('vec-add', 9), 'coder:14b')).text).toBe(V2_REPLY);
  });

  test('non-streaming chat answers with one object', async () => {
    const res = await client('vec-add', 1).chat({ model: 'coder:14b', messages: [{ role: 'user', content: 'hi' }], stream: false });
    expect(res.message).toEqual({ role: 'assistant', content: V1_REPLY });
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe('stop');
    expect(res.model).toBe('coder:14b');
  });

  test('attempt headers make retries deterministic and are logged', async () => {
    const before = server.requests.length;
    const a = await streamChat(client('vec-add', 2), 'coder:14b');
    const b = await streamChat(client('vec-add', 2), 'coder:14b');
    expect(a.text).toBe('no code this time');
    expect(b.text).toBe(a.text);
    const logged = server.requests.slice(before);
    expect(logged).toHaveLength(2);
    for (const e of logged) {
      expect(e).toMatchObject({ protocol: 'ollama', task: 'vec-add', model: 'coder:14b', attempt: 2, attemptFrom: 'header', item: 1, answeredBy: 'text', stream: true, status: 200 });
    }
  });

  test('without headers the task comes from "Task id:" and the attempt from a counter', async () => {
    const plain = new Ollama({ host: server.url });
    const ask = async () =>
      (await plain.chat({ model: 'counter-model', messages: [{ role: 'system', content: 'Task id: vec-add\nWrite code.' }], stream: false })).message.content;
    expect(await ask()).toBe('one');
    expect(await ask()).toBe('two');
    expect(await ask()).toBe('two');
    expect(server.requests.slice(-3).map((e) => [e.task, e.attempt, e.attemptFrom])).toEqual([
      ['vec-add', 1, 'counter'],
      ['vec-add', 2, 'counter'],
      ['vec-add', 3, 'counter'],
    ]);
  });

  test('a task or model without a script gets a plain "no script" reply', async () => {
    const noTask = await streamChat(client('no-such-task', 1), 'coder:14b');
    expect(noTask.text).toBe('scripted model server: no script for task no-such-task and model coder:14b');
    const noModel = await streamChat(client('other', 1), 'coder:14b');
    expect(noModel.text).toBe('scripted model server: no script for task other and model coder:14b');
    expect(noModel.text).not.toContain('```');
    expect(server.requests[server.requests.length - 1]).toMatchObject({ answeredBy: 'no script', item: null });
  });

  test('unknown model is a 404 that the client raises, like Ollama', async () => {
    for (const stream of [true, false] as const) {
      const err = await client('vec-add', 1)
        .chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }], stream: stream as false })
        .then(() => null, (e: unknown) => e as { status_code?: number; message: string });
      expect(err).not.toBeNull();
      expect(err?.status_code).toBe(404);
      expect(err?.message).toBe('model "nope" not found, try pulling it first');
    }
  });

  test('http_status injection: attempt 1 fails with 500, attempt 2 answers', async () => {
    const err = await streamChat(client('vec-add', 1), 'faulty').then(() => null, (e: unknown) => e as { status_code?: number; message: string });
    expect(err?.status_code).toBe(500);
    expect(err?.message).toContain('injected HTTP 500');
    expect(server.requests[server.requests.length - 1]).toMatchObject({ model: 'faulty', status: 500, answeredBy: 'http_status 500' });
    expect((await streamChat(client('vec-add', 2), 'faulty')).text).toBe(fileReply('answers/main.cpp', HOST_CPP));
    expect(fileReply('answers/main.cpp', HOST_CPP)).toContain('```cpp\n');
  });

  test('cut_short stops mid-answer with done_reason "length"', async () => {
    const { text, parts } = await streamChat(client('vec-add', 1), 'cutter');
    expect(parts[parts.length - 1].done_reason).toBe('length');
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(V2_REPLY.length);
    expect(V2_REPLY.startsWith(text)).toBe(true);
    const whole = await client('vec-add', 1).chat({ model: 'cutter', messages: [{ role: 'user', content: 'x' }], stream: false });
    expect(whole.done_reason).toBe('length');
    expect(whole.message.content).toBe(text);
  });

  test('delay_ms spreads the stream over the delay', async () => {
    const t0 = Date.now();
    const { text, parts } = await streamChat(client('vec-add', 1), 'slow');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(text).toBe('slow but sure, and long enough to be split into several chunks');
    expect(parts.length).toBeGreaterThan(3);
  });

  test('a client that hangs up mid-stream does not disturb the server', async () => {
    const stream = await client('vec-add', 1).chat({ model: 'slow', messages: [{ role: 'user', content: 'x' }], stream: true });
    const it = stream[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(false);
    stream.abort();
    await expect(it.next()).rejects.toThrow();
    expect((await streamChat(client('vec-add', 2), 'coder:14b')).text).toBe('no code this time');
  });

  test('close() ends streams in flight promptly', async () => {
    const scripts = loadModelScripts([write('closing/model-script.yaml', 'task: c\nmodels:\n  m:\n    - text: "takes its time"\n      delay_ms: 20000\n')]);
    const other = await startScriptedModelServer({ scripts, log: () => undefined });
    const c = new Ollama({ host: other.url, headers: { [TASK_HEADER]: 'c', [ATTEMPT_HEADER]: '1' } });
    const pending = c.chat({ model: 'm', messages: [], stream: true }).then(async (s) => {
      for await (const _ of s) void _;
    });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await other.close();
    // Waiting for the stream in flight would take its 20 s delay; close() ends it instead.
    expect(Date.now() - t0).toBeLessThan(20_000);
    await expect(pending).rejects.toThrow();
  });

  test('a malformed attempt header is a 400', async () => {
    const res = await fetch(`${server.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TASK_HEADER]: 'vec-add', [ATTEMPT_HEADER]: 'zero' },
      body: JSON.stringify({ model: 'coder:14b', messages: [] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain(ATTEMPT_HEADER);
  });

  describe('OpenAI-compatible endpoint', () => {
    const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };
    const completions = (body: unknown, headers: Record<string, string> = auth) =>
      fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });

    test('requires the API key', async () => {
      expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const res = await completions({ model: 'coder:14b', messages: [] }, { 'content-type': 'application/json' });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    });

    test('/v1/models lists the scripted models', async () => {
      const res = await fetch(`${server.url}/v1/models`, { headers: auth });
      const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
      expect(body.object).toBe('list');
      expect(body.data.map((m) => m.id)).toContain('coder:14b');
      expect(body.data.every((m) => m.object === 'model')).toBe(true);
    });

    test('non-streaming completion', async () => {
      const res = await completions({ model: 'coder:14b', messages: [{ role: 'user', content: 'Task id: vec-add' }] }, { ...auth, [ATTEMPT_HEADER]: '3' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; model: string; choices: { message: { role: string; content: string }; finish_reason: string }[]; usage: { total_tokens: number } };
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe('coder:14b');
      expect(body.choices[0].message).toEqual({ role: 'assistant', content: V2_REPLY });
      expect(body.choices[0].finish_reason).toBe('stop');
      expect(body.usage.total_tokens).toBeGreaterThan(0);
      expect(server.requests[server.requests.length - 1]).toMatchObject({ protocol: 'openai', task: 'vec-add', attempt: 3, item: 2 });
    });

    async function sse(res: Response): Promise<{ chunks: { object: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[] }[]; done: boolean }> {
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const lines = (await res.text()).split('\n').filter((l) => l.startsWith('data: '));
      const done = lines[lines.length - 1] === 'data: [DONE]';
      return { chunks: lines.filter((l) => l !== 'data: [DONE]').map((l) => JSON.parse(l.slice(6))), done };
    }

    test('streaming completion: chunks, finish_reason, [DONE]', async () => {
      const res = await completions({ model: 'coder:14b', stream: true, messages: [{ role: 'user', content: 'x' }] }, { ...auth, [TASK_HEADER]: 'vec-add', [ATTEMPT_HEADER]: '1' });
      const { chunks, done } = await sse(res);
      expect(done).toBe(true);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      expect(chunks.length).toBeGreaterThan(4);
      expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe(V1_REPLY);
      expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('stop');
      expect(chunks.slice(0, -1).every((c) => c.choices[0].finish_reason === null)).toBe(true);
    });

    test('cut_short gives finish_reason "length"; unknown model 404; injected 500', async () => {
      const headers = { ...auth, [TASK_HEADER]: 'vec-add', [ATTEMPT_HEADER]: '1' };
      const { chunks } = await sse(await completions({ model: 'cutter', stream: true, messages: [] }, headers));
      expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('length');
      expect((await completions({ model: 'nope', messages: [] }, headers)).status).toBe(404);
      const failed = await completions({ model: 'faulty', messages: [] }, headers);
      expect(failed.status).toBe(500);
      expect(((await failed.json()) as { error: { message: string } }).error.message).toContain('injected HTTP 500');
    });
  });

  describe('script loading', () => {
    const load = (name: string, yaml: string) => () => loadModelScripts([write(`bad/${name}.yaml`, yaml)]);

    test('a wrong field type is rejected with the file and the field path', () => {
      const run = load('type', 'task: t\nmodels:\n  m:\n    - text: ok\n    - http_status: "five hundred"\n');
      expect(run).toThrow(ModelScriptError);
      expect(run).toThrow(/bad\/type\.yaml: models\.m\.1\.http_status: /);
    });

    test('unknown keys, missing fields, two kinds in one answer and missing files are named', () => {
      expect(load('unknown', 'task: t\nmodels:\n  m:\n    - txt: hi\n')).toThrow(/unknown\.yaml: models\.m\.0\.txt: /);
      expect(load('notask', 'models:\n  m:\n    - text: hi\n')).toThrow(/notask\.yaml: task: /);
      expect(load('two', 'task: t\nmodels:\n  m:\n    - text: hi\n      file: a.cu\n')).toThrow(/two\.yaml: models\.m\.0: .*exactly one of file, text, http_status/);
      expect(load('empty', 'task: t\nmodels:\n  m: []\n')).toThrow(/empty\.yaml: models\.m: /);
      expect(load('nofile', 'task: t\nmodels:\n  m:\n    - file: answers/missing.cu\n')).toThrow(/nofile\.yaml: models\.m\.0\.file: cannot read answers\/missing\.cu/);
      expect(load('yaml', 'task: [\n')).toThrow(/yaml\.yaml: invalid YAML/);
    });

    test('the same task in two scripts is refused', () => {
      const a = write('dup/a.yaml', 'task: same\nmodels:\n  m:\n    - text: a\n');
      const b = write('dup/b.yaml', 'task: same\nmodels:\n  m:\n    - text: b\n');
      expect(() => loadModelScripts([a, b])).toThrow(/b\.yaml: task: task "same" is already scripted/);
    });
  });
});
