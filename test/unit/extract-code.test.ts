/**
 * From a model's reply to files: fenced blocks, `<think>` sections, the longest block in the task's
 * language, named blocks, refused names, harness files, and a property over arbitrary replies.
 */
import { posix } from 'node:path';
import fc from 'fast-check';
import { extractFiles, stripThinking, unsafeFileName, type Extraction } from '../../policy/parsers/extract-code';

const HARNESS = ['harness.cu', 'vector_add.h'];
const fence = (info: string, body: string) => `\`\`\`${info}\n${body}\n\`\`\``;

/** Extraction for a CUDA task writing solution.cu next to HARNESS. */
const cuda = (reply: string): Extraction => extractFiles(reply, 'solution.cu', 'cuda', HARNESS);
const cpp = (reply: string): Extraction => extractFiles(reply, 'solution.cpp', 'cpp', ['harness.cpp']);

function solutionOf(result: Extraction): string {
  if (!result.ok) throw new Error(`no files: ${result.reason}`);
  return result.files[0]!.content;
}

describe('stripThinking', () => {
  it.each([
    ['a closed section', 'a<think>code</think>b', 'ab'],
    ['several sections', '<think>1</think>x<think>2</think>y', 'xy'],
    ['upper case tags', '<THINK>1</THINK>z', 'z'],
    ['an unclosed section (cut off mid-thought)', 'answer<think>still thinking ```cuda', 'answer'],
    ['a reply without thoughts', 'plain', 'plain'],
    ['a closing tag without its opening tag (the template opened it)', 'draft ```cuda\nx\n```</think>final', 'final'],
    ['CRLF line ends', 'a\r\nb', 'a\nb'],
  ])('removes %s', (_name, reply, expected) => {
    expect(stripThinking(reply)).toBe(expected);
  });
});

describe('unsafeFileName', () => {
  it.each([
    ['../../etc/passwd', 'contains ".."'],
    ['src/../../x.cu', 'contains ".."'],
    ['..\\x.cu', 'contains ".."'],
    ['/etc/passwd', 'absolute path'],
    ['\\\\server\\share', 'absolute path'],
    ['C:\\x.cu', 'absolute path'],
    ['a b.cu', 'unusual characters'],
    ['~/x.cu', 'unusual characters'],
    ['$(rm -rf).cu', 'unusual characters'],
  ])('refuses %j (%s)', (name, why) => {
    expect(unsafeFileName(name)).toBe(why);
  });

  it.each(['solution.cu', 'src/kernel.cu', 'helper.cuh', 'a-b_c.h'])('accepts %j', (name) => {
    expect(unsafeFileName(name)).toBeNull();
  });
});

describe('extractFiles', () => {
  it.each([
    ['a block tagged cuda', fence('cuda', '__global__ void k() {}')],
    ['a block tagged cpp', fence('cpp', '__global__ void k() {}')],
    ['a block without a tag', fence('', '__global__ void k() {}')],
    ['a tilde fence', '~~~cu\n__global__ void k() {}\n~~~'],
    ['a block amid prose', `Here is the kernel:\n\n${fence('cuda', '__global__ void k() {}')}\n\nIt adds.`],
  ])('takes %s as the solution', (_name, reply) => {
    const result = cuda(reply);
    expect(result).toEqual({ ok: true, files: [{ path: 'solution.cu', content: '__global__ void k() {}\n' }], note: '' });
  });

  it('takes the longest block in the task language', () => {
    const reply = [fence('cuda', 'short'), fence('cuda', 'the longest cuda block'), fence('cuda', 'middle one')].join('\n');
    expect(solutionOf(cuda(reply))).toBe('the longest cuda block\n');
  });

  it('ignores longer blocks in other languages', () => {
    const reply = [fence('bash', 'nvcc -O2 -o candidate harness.cu solution.cu # a long command'), fence('cuda', 'kernel'), fence('python', 'x = 1 # a long python block')].join('\n');
    expect(solutionOf(cuda(reply))).toBe('kernel\n');
    const cppReply = [fence('cuda', '__global__ void much_longer_kernel() {}'), fence('cpp', 'int f();')].join('\n');
    expect(solutionOf(cpp(cppReply))).toBe('int f();\n');
  });

  it('ignores code inside <think> sections', () => {
    const reply = `<think>draft:\n${fence('cuda', 'a much longer draft that is not the answer')}\n</think>\n${fence('cuda', 'final')}`;
    expect(solutionOf(cuda(reply))).toBe('final\n');
    expect(cuda(`<think>${fence('cuda', 'only a draft')}</think>Done.`).ok).toBe(false);
  });

  it.each([
    ['a // file: comment', fence('cuda', '// file: solution.cu\nnamed')],
    ['a /* file: */ comment', fence('cuda', '/* file: solution.cu */\nnamed')],
    ['a // filename: comment with a folder', fence('cuda', '// filename: src/solution.cu\nnamed')],
    ['the info string', fence('cuda solution.cu', 'named')],
    ['a title= info string', fence('cuda title="solution.cu"', 'named')],
  ])('prefers the block named as the solution file via %s over a longer one', (_name, named) => {
    const result = cuda(`${fence('cuda', 'a much longer unnamed block of code')}\n${named}`);
    expect(solutionOf(result)).toMatch(/named\n$/);
    expect(result.ok && result.files.map((f) => f.path)).toEqual(['solution.cu']);
  });

  it('writes further named files beside the solution', () => {
    const result = cuda(`${fence('cuda', '// file: helper.cuh\n#pragma once')}\n${fence('cuda', 'kernel')}`);
    expect(result).toEqual({
      ok: true,
      files: [
        { path: 'solution.cu', content: 'kernel\n' },
        { path: 'helper.cuh', content: '// file: helper.cuh\n#pragma once\n' },
      ],
      note: '',
    });
  });

  it.each([
    ['../../etc/passwd', fence('cuda', '// file: ../../etc/passwd\nroot::0:0')],
    ['/etc/passwd', fence('cuda', '// file: /etc/passwd\nroot::0:0')],
    ['/etc/passwd', fence('cpp /etc/passwd', 'root::0:0')],
    ['src/../../../x.cu', fence('cuda', '# path: src/../../../x.cu\nx')],
  ])('refuses a reply naming %j (unsafePath)', (path, block) => {
    const result = cuda(`${fence('cuda', 'kernel')}\n${block}`);
    expect(result).toMatchObject({ ok: false, unsafePath: path });
    expect(!result.ok && result.reason).toContain(path);
  });

  it('never overwrites a harness file', () => {
    const reply = [fence('cuda', '// file: harness.cu\nint main() { return 0; }'), fence('cuda', 'kernel'), fence('cuda', '// file: vector_add.h\n// changed')].join('\n');
    const result = cuda(reply);
    expect(result.ok && result.files).toEqual([{ path: 'solution.cu', content: 'kernel\n' }]);
    expect(result.ok && result.note).toBe('ignored blocks for harness files: harness.cu, vector_add.h');
  });

  // BUG (policy/parsers/extract-code.ts, extractFiles: `harnessFiles.includes(block.name)` compares raw
  // strings): `./harness.cu` names the same file as `harness.cu`, passes unsafeFileName, and is
  // returned as a model file; prepareRunFolder writes model files after the harness files, so the
  // model replaces the harness. Same for `./solution.cu` after a block named `solution.cu`.
  it.each([
    ['./harness.cu', 'harness.cu'],
    ['.//vector_add.h', 'vector_add.h'],
    ['./solution.cu', 'solution.cu'],
  ])('never returns a second file for the same path (%s is %s)', (alias) => {
    const reply = [fence('cuda', '// file: solution.cu\nkernel'), fence('cuda', `// file: ${alias}\nreplaced`)].join('\n');
    const result = cuda(reply);
    expect(result.ok).toBe(true);
    const paths = result.ok ? result.files.map((f) => posix.normalize(f.path)) : [];
    expect(paths.filter((p) => HARNESS.includes(p))).toEqual([]);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it.each([
    ['prose only', 'I cannot help with that.', /no fenced code block/],
    ['an empty reply', '', /no fenced code block/],
    ['a block in another language only', fence('python', 'print(1)'), /no CUDA code block/],
    ['a whitespace-only block', fence('cuda', '   '), /no CUDA code block/],
    ['a named block for another file only', fence('cuda', '// file: helper.cuh\n#pragma once'), /no CUDA code block/],
  ])('returns ok:false for %s', (_name, reply, reason) => {
    const result = cuda(reply);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
    expect(!result.ok && result.unsafePath).toBeUndefined();
  });

  it('says "C++" for a C++ task without code', () => {
    expect(cpp(fence('cuda', '__global__ void k() {}'))).toMatchObject({ ok: false, reason: expect.stringMatching(/no C\+\+ code block/) });
  });

  it('property: never throws, and never returns a file name that unsafeFileName refuses', () => {
    const piece = fc.oneof(
      { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          '```', '```cuda\n', '```cpp ', '~~~', '\n```\n', '\n', ' ', '<think>', '</think>', '// file: ', '/* path: ',
          '# filename: ', 'title="', 'file=', '"', "'", '../', '..\\', '/etc/passwd', 'C:', 'x.cu', 'harness.cu',
          'solution.cu', './', '//', '\\', '*/', 'int main() {}',
        ),
      },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom<'cuda' | 'cpp'>('cuda', 'cpp'), (pieces, language) => {
        const result = extractFiles(pieces.join(''), 'solution.cu', language, HARNESS);
        if (result.ok) {
          expect(result.files[0]!.path).toBe('solution.cu');
          for (const file of result.files) {
            expect(unsafeFileName(file.path)).toBeNull();
            expect(HARNESS).not.toContain(file.path);
            expect(file.content.endsWith('\n')).toBe(true);
          }
        } else if (result.unsafePath !== undefined) {
          expect(unsafeFileName(result.unsafePath)).not.toBeNull();
        }
      }),
      { numRuns: 500 },
    );
  });
});
