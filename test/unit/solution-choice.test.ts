/** Which block is the solution: interface names, main() detection, and the order of the rules. */
import { chooseSolution, declaredNames, definesMain, definesName } from '../../policy/parsers/solution-choice';
import { parseBlocks, readReply } from '../../policy/parsers/reply-blocks';

describe('declaredNames', () => {
  it.each([
    ['a C function', 'void vector_add(const float* a, const float* b, float* c, int n);', ['vector_add']],
    ['a struct the header defines itself is left out', 'struct P { double a; };\nP make_p(double q);', ['make_p']],
    ['a class described in comments', '//   class BoundedQueue {\n//     bool push(T item);\n//   };', ['push', 'BoundedQueue']],
    ['keywords are not names', 'static_assert(sizeof(int) == 4, "x");', []],
  ])('%s', (_name, source, names) => expect(declaredNames([source]).sort()).toEqual([...names].sort()));
});

describe('definesName / definesMain', () => {
  it.each([
    ['void vector_add(const float* a, int n) {\n}', 'vector_add', true],
    ['void vector_add(const float* a, int n);', 'vector_add', false],
    ['vector_add(a, b, c, n);', 'vector_add', false],
    ['template <typename T>\nclass BoundedQueue {\n};', 'BoundedQueue', true],
    ['  bool push(T item) const noexcept {', 'push', true],
  ])('%j defines %s: %s', (code, name, expected) => expect(definesName(code, name)).toBe(expected));

  it.each([
    ['int main() {\n return 0;\n}', true],
    ['int main(int argc, char** argv)\n{', true],
    ['// int main() { } in a comment', false],
    ['/* int main() {} */ void f() {}', false],
    ['void domain() {}', false],
  ])('%j defines main: %s', (code, expected) => expect(definesMain(code)).toBe(expected));
});

describe('chooseSolution', () => {
  const blocks = (reply: string) => parseBlocks(readReply(reply).text);
  const ctx = { solutionFile: 'k.cu', harnessHasMain: true, interfaceNames: ['launch'] };
  it.each([
    ['the block defining the interface over a longer helper', '```cuda\nvoid launch(int n) {\n}\n```\n```cuda\n// a longer block that only declares launch(int n); and has many words in it\n```', 'void launch', 'interface'],
    ['the longest when none defines an interface name', '```cuda\nshort\n```\n```cuda\na longer one\n```', 'a longer one', 'longest'],
    ['never the main() block when the harness has main', '```cuda\nvoid launch(int n) {}\n```\n```cuda\nint main() { launch(1); /* a much longer example block */ }\n```', 'void launch', 'longest'],
  ])('takes %s', (_name, reply, contains, rule) => {
    const all = blocks(reply);
    const choice = chooseSolution(undefined, all, ctx);
    expect(choice.ok && choice.block.content).toContain(contains);
    expect(choice.ok && choice.rule).toBe(rule);
  });

  it('takes a main() block when the harness has no main (the task asks for a program)', () => {
    const choice = chooseSolution(undefined, blocks('```cpp\nint main() { return 0; }\n```'), { ...ctx, harnessHasMain: false });
    expect(choice.ok).toBe(true);
  });
});
