/**
 * Complexity detection (guide section 3): each CUDA
 * and C++ rule alone and at its edges, the guide's FFT example step by step, then properties.
 */
import fc from 'fast-check';
import { complexitySteps, detectComplexity, COMPLEXITY_RULES } from '../../policy/rules/complexity';

/** The guide's example: "CUDA Kernel für FFT mit Shared Memory" with launch, shared memory, cufft and a barrier. */
const FFT_KERNEL = `
#include <cufft.h>
__global__ void butterfly(float2* data) {
  __shared__ float2 tile[256];
  tile[threadIdx.x] = data[threadIdx.x];
  __syncthreads();
}
void run(float2* d) { butterfly<<<1, 256>>>(d); cufftHandle plan; }
`;

describe('detectComplexity: CUDA rules', () => {
  it.each([
    ['nothing', 0.5, [], 'int main() { return 0; }'],
    ['__global__ without <<<', 0.5, [], '__global__ void k() {}'],
    ['<<< without __global__', 0.5, [], 'k<<<1, 1>>>();'],
    ['__global__ and <<<', 0.6, ['__global__ and <<<'], '__global__ void k() {} k<<<1, 1>>>();'],
    ['__shared__ alone', 0.7, ['__shared__ or blockIdx'], '__shared__ float s[32];'],
    ['blockIdx alone', 0.7, ['__shared__ or blockIdx'], 'int i = blockIdx.x;'],
    ['cufft', 0.8, ['cufft, cublas or cudnn'], 'cufftExecC2C(plan, a, b, CUFFT_FORWARD);'],
    ['cublas', 0.8, ['cufft, cublas or cudnn'], 'cublasSgemm(h, ...);'],
    ['cudnn', 0.8, ['cufft, cublas or cudnn'], 'cudnnCreate(&h);'],
    ['cuFFT (lower-cased match)', 0.8, ['cufft, cublas or cudnn'], 'uses cuFFT for the transform'],
    ['CUBLAS (lower-cased match)', 0.8, ['cufft, cublas or cudnn'], 'link with CUBLAS'],
    ['__syncthreads without __shared__', 0.5, [], '__syncthreads();'],
    ['__syncthreads and __shared__', 0.9, ['__shared__ or blockIdx', '__syncthreads and __shared__'], '__shared__ int s; __syncthreads();'],
    ['case-sensitive otherwise: __GLOBAL__ and BLOCKIDX', 0.5, [], '__GLOBAL__ k<<<1,1>>> BLOCKIDX'],
    ['the FFT example: capped at 1.0', 1.0, ['__global__ and <<<', '__shared__ or blockIdx', 'cufft, cublas or cudnn', '__syncthreads and __shared__'], FFT_KERNEL],
  ])('%s -> %p %j', (_name, score, matched, text) => {
    expect(detectComplexity(text, 'cuda')).toEqual({ score, matched });
  });

  it('the guide FFT example step by step: 0.5, +0.1 = 0.6, +0.2 = 0.8, +0.3 = 1.1 (then +0.2 = 1.3), capped at 1.0', () => {
    const steps = complexitySteps(FFT_KERNEL, 'cuda');
    expect(steps.map((s) => s.add)).toEqual([0.1, 0.2, 0.3, 0.2]);
    expect(steps.map((s) => s.total)).toEqual([0.6, 0.8, 1.1, 1.3]);
    expect(detectComplexity(FFT_KERNEL, 'cuda').score).toBe(1.0);
  });
});

describe('detectComplexity: C++ rules', () => {
  it.each([
    ['nothing', 0.5, [], 'int main() { return 0; }'],
    ['std::vector without #include', 0.5, [], 'std::vector<int> v;'],
    ['std::vector and #include', 0.6, ['std::vector and #include'], '#include <vector>\nstd::vector<int> v;'],
    ['template', 0.7, ['template or class'], 'template <typename T> T id(T x) { return x; }'],
    ['class', 0.7, ['template or class'], 'class Queue {};'],
    ['class as a substring (the guide tests substrings)', 0.7, ['template or class'], 'int subclassed = 0;'],
    ['std::async', 0.8, ['std::async or std::thread'], 'auto f = std::async(work);'],
    ['std::thread', 0.8, ['std::async or std::thread'], 'std::thread t(work);'],
    ['Template (case-sensitive)', 0.5, [], 'Template Class'],
    ['all three: 1.1 capped at 1.0', 1.0, ['std::vector and #include', 'template or class', 'std::async or std::thread'], '#include <thread>\ntemplate <class T> struct Q { std::vector<T> v; std::thread t; };'],
    ['CUDA keywords do not count for C++', 0.5, [], '__global__ k<<<1,1>>>(); __shared__ int s; cufft'],
  ])('%s -> %p %j', (_name, score, matched, text) => {
    expect(detectComplexity(text, 'cpp')).toEqual({ score, matched });
  });

  it('C++ keywords do not count for CUDA', () => {
    expect(detectComplexity('#include <vector>\nstd::vector<int> v; template class std::thread', 'cuda')).toEqual({ score: 0.5, matched: [] });
  });
});

describe('properties', () => {
  const words = fc.constantFrom(
    '__global__', '<<<', '__shared__', 'blockIdx', 'cufft', 'cuBLAS', 'cudnn', '__syncthreads', 'std::vector', '#include', 'template', 'class', 'std::async', 'std::thread', 'int', ' ', '\n', 'x',
  );
  const text = fc.array(words, { maxLength: 12 }).map((parts) => parts.join(' '));
  const language = fc.constantFrom('cuda' as const, 'cpp' as const);

  it('score = min(1, 0.5 + the matched rules), always in [0.5, 1], one decimal', () => {
    fc.assert(
      fc.property(text, language, (t, lang) => {
        const { score, matched } = detectComplexity(t, lang);
        const adds = COMPLEXITY_RULES[lang].filter((r) => matched.includes(r.name)).reduce((sum, r) => sum + r.tenths, 0);
        expect(score).toBe(Math.min(10, 5 + adds) / 10);
        expect(score).toBeGreaterThanOrEqual(0.5);
        expect(score).toBeLessThanOrEqual(1);
        expect(Math.round(score * 10) / 10).toBe(score);
      }),
    );
  });

  it('more text never lowers the score', () => {
    fc.assert(
      fc.property(text, text, language, (a, b, lang) => {
        expect(detectComplexity(`${a}\n${b}`, lang).score).toBeGreaterThanOrEqual(detectComplexity(a, lang).score);
      }),
    );
  });
});

describe('a library the task rules out adds no complexity', () => {
  it.each([
    ['Write a GEMM kernel, no cuBLAS', 0.5],
    ['Implement it without cuFFT or cuDNN', 0.5],
    ['do not use the cuBLAS library', 0.5],
    ['Matrix multiply (no cuBLAS/cuDNN allowed)', 0.5],
    ['FFT ohne cuFFT', 0.5],
    ['Use cuBLAS for the GEMM', 0.8],
    ['no shared memory; call cublasSgemm', 0.8],
    ['without cuBLAS, but compare against cuFFT output', 0.8],
  ])('%s -> %s', (text, score) => {
    expect(detectComplexity(text, 'cuda').score).toBe(score);
  });
});
