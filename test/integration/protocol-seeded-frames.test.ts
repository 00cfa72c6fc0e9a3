/**
 * The large-frame helpers of kisystem_io.h (seeded inputs, digests of whole answers), compiled with
 * the real g++: the checker can make any element of a seeded input alone, and one wrong or moved
 * element of an answer changes its digest.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_HEADER, PROTOCOL_HEADER_NAME } from '../../activities/sandbox-protocol-header';

const PROGRAM = String.raw`#include "kisystem_io.h"
#include <cstdio>
int main() {
  const std::size_t n = 1 << 16;
  std::vector<float> a(n);
  kio::seeded_floats(12345, a.data(), n, -1000.0f, 1000.0f);
  int alone = 0, range = 0, distinct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    alone += a[i] == kio::seeded_float(12345, i, -1000.0f, 1000.0f);
    range += a[i] >= -1000.0f && a[i] < 1000.0f;
    distinct += i > 0 && a[i] != a[i - 1];
  }
  std::vector<float> b(n);
  kio::seeded_floats(12346, b.data(), n, -1000.0f, 1000.0f);
  int same_other_seed = 0;
  for (std::size_t i = 0; i < n; ++i) same_other_seed += a[i] == b[i];
  const std::uint64_t d = kio::digest(a.data(), n * sizeof(float));
  int changed = 0, tries = 0;
  for (std::size_t i = 0; i < n; i += 997) {  // one element off by its last bit, anywhere
    std::vector<float> c = a;
    std::uint32_t bits;
    std::memcpy(&bits, &c[i], 4);
    bits ^= 1;
    std::memcpy(&c[i], &bits, 4);
    changed += kio::digest(c.data(), n * sizeof(float)) != d;
    ++tries;
  }
  std::vector<float> swapped = a;
  std::swap(swapped[10], swapped[20]);
  const bool order = kio::digest(swapped.data(), n * sizeof(float)) != d;
  const bool length = kio::digest(a.data(), n * sizeof(float) - 4) != d;
  const bool odd_tail = kio::digest(a.data(), 13) != kio::digest(b.data(), 13);
  std::printf("%d %d %d %d %d %d %d %d %d\n", alone, range, distinct, same_other_seed, changed, tries, order, length, odd_tail);
  return 0;
}
`;

describe('kisystem_io.h seeded frames and digests (real g++)', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kisystem-seeded-'));
    writeFileSync(join(dir, PROTOCOL_HEADER_NAME), PROTOCOL_HEADER);
    writeFileSync(join(dir, 'main.cpp'), PROGRAM);
    execFileSync('g++', ['-std=c++17', '-O2', '-Wall', '-Werror', '-o', join(dir, 'main'), join(dir, 'main.cpp')], { cwd: dir });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes every element of a seeded input alone, in range, different per seed; every change of an answer changes its digest', () => {
    const [alone, range, distinct, sameOtherSeed, changed, tries, order, length, oddTail] = execFileSync(join(dir, 'main'), { encoding: 'utf8' }).trim().split(' ').map(Number);
    const n = 1 << 16;
    expect(alone).toBe(n);
    expect(range).toBe(n);
    expect(distinct).toBeGreaterThan(n - 10);
    expect(sameOtherSeed).toBeLessThan(10);
    expect(changed).toBe(tries);
    expect(order).toBe(1);
    expect(length).toBe(1);
    expect(oddTail).toBe(1);
  });
});
