/** The categorizer's data tables: compiler and linker error patterns, CUDA libraries by symbol, Linux signal names. */

// Anchored, and the file part cannot contain the delimiter that follows it, so matching stays linear.
export const NVCC_ERROR = /^(\S[^()]*)\((\d+)\): (?:catastrophic |fatal )?error(?: #[\w-]+)?: ?(.*)$/;
export const GCC_ERROR = /^(\S[^:]*):(\d+):(?:\d+:)? (?:fatal )?error: ?(.*)$/;
export const MISSING_HEADER = /^(.+?): No such file or directory$|^cannot open source file "(.+)"$/;
export const INSTANTIATION = /In instantiation of (.+?):?$|instantiation of "(.+?)"/;
export const UNDEFINED_REFERENCE = /undefined reference to [`'‘"]([^`'’"]+)|undefined symbol: (.+)$/;
export const MULTIPLE_DEFINITION = /multiple definition of [`'‘"]([^`'’"]+)/;
export const PTXAS_ERROR = /ptxas (?:error|fatal)\s*: (.*)$/;

/** Libraries whose symbols a CUDA program links against, by symbol prefix (first match wins). */
export const CUDA_LIBRARIES: ReadonlyArray<{ symbol: RegExp; flag: string }> = [
  { symbol: /^(?:cuda[A-Z_]|__cuda)/, flag: '-lcudart' },
  { symbol: /^cublas/, flag: '-lcublas' },
  { symbol: /^cufft/, flag: '-lcufft' },
  { symbol: /^curand/, flag: '-lcurand' },
  { symbol: /^cusparse/, flag: '-lcusparse' },
  { symbol: /^cusolver/, flag: '-lcusolver' },
  { symbol: /^cu[A-Z]/, flag: '-lcuda' },
];

/** Linux signal numbers (x86-64 and arm64 agree on these). */
export const SIGNALS: Readonly<Record<number, string>> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
  24: 'SIGXCPU',
  25: 'SIGXFSZ',
};
