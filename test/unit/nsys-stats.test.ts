/**
 * `nsys stats --report cuda_gpu_kern_sum --format csv` output.
 *
 * HAND-WRITTEN samples: there is no real fixture (the H200 machine of test/fixtures/h200 had only
 * the nsys bundled with Nsight Compute, which cannot produce a .nsys-rep). They follow the layout
 * of nsys 2023+: its progress lines, then a minimally quoted CSV sorted by total time.
 */
import { ProfileParseError, parseNsysKernelSummaryCsv } from '../../policy/parsers/nsys-stats';

// HAND-WRITTEN, not captured from a real run.
const SAMPLE = [
  'Generating SQLite file /tmp/kisystem/run-7/report.sqlite from /tmp/kisystem/run-7/report.nsys-rep',
  'Processing [/tmp/kisystem/run-7/report.sqlite] with [/opt/nvidia/nsight-systems/2024.4.1/host-linux-x64/reports/cuda_gpu_kern_sum.py]... ',
  '',
  'Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name',
  '92.4,22104512,12,1842042.7,1841920.0,1839808,1846336,1867.3,"mm_tiled(const float *, const float *, float *, int)"',
  '6.1,1459200,2,729600.0,729600.0,728960,730240,905.1,"void init_matrix<float>(float *, int, float)"',
  '1.5,358912,1,358912.0,358912.0,358912,358912,0.0,reduce_checksum',
  '',
].join('\n');

describe('parseNsysKernelSummaryCsv', () => {
  it('reads every kernel row, names with commas included', () => {
    expect(parseNsysKernelSummaryCsv(SAMPLE)).toEqual({
      kernels: [
        { name: 'mm_tiled(const float *, const float *, float *, int)', instances: 12, totalNs: 22_104_512, medianNs: 1_841_920, timePct: 92.4 },
        { name: 'void init_matrix<float>(float *, int, float)', instances: 2, totalNs: 1_459_200, medianNs: 729_600, timePct: 6.1 },
        { name: 'reduce_checksum', instances: 1, totalNs: 358_912, medianNs: 358_912, timePct: 1.5 },
      ],
    });
  });

  it('reads CRLF output without the progress lines', () => {
    const text = SAMPLE.split('\n').slice(3).join('\r\n');
    expect(parseNsysKernelSummaryCsv(text).kernels.map((k) => k.name)).toEqual([
      'mm_tiled(const float *, const float *, float *, int)',
      'void init_matrix<float>(float *, int, float)',
      'reduce_checksum',
    ]);
  });

  it('converts --timeunit usec columns to ns', () => {
    // HAND-WRITTEN
    const text = 'Time (%),Total Time (us),Instances,Avg (us),Med (us),Min (us),Max (us),StdDev (us),Name\n100.0,22104.512,12,1842.043,1841.920,1839.808,1846.336,1.867,mm_tiled\n';
    const [k] = parseNsysKernelSummaryCsv(text).kernels;
    expect(k!.totalNs).toBeCloseTo(22_104_512, 3);
    expect(k!.medianNs).toBeCloseTo(1_841_920, 3);
  });

  it('stops at the empty line that ends the table', () => {
    const text = `${SAMPLE}\nTime (%),Total Time (ns),Count,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Operation\n100.0,5000,1,5000.0,5000.0,5000,5000,0.0,[CUDA memcpy Host-to-Device]\n`;
    expect(parseNsysKernelSummaryCsv(text).kernels).toHaveLength(3);
  });

  it.each<[string, string, RegExp]>([
    ['empty output', '', /empty nsys stats output/],
    ['a report without kernels', 'Processing [r.sqlite] with [cuda_gpu_kern_sum.py]... \nSKIPPED: r.sqlite does not contain CUDA kernel data.\n', /no CUDA kernels.*SKIPPED: r\.sqlite does not contain CUDA kernel data/],
    ['an nsys error', 'ERROR: Report file r.nsys-rep could not be opened.\n', /nsys stats failed: ERROR: Report file/],
    ['garbage', 'kernel_ms=1.84 gflops=9000\n', /not an nsys cuda_gpu_kern_sum CSV.*kernel_ms=1\.84/],
    ['an ncu CSV', '"ID","Process ID","Kernel Name","Metric Name"\n"0","1","k","Duration"\n', /not an nsys cuda_gpu_kern_sum CSV/],
    ['a header without rows', 'Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name\n', /header but no kernels/],
    ['a header without a median', 'Time (%),Total Time (ns),Instances,Avg (ns),Name\n100.0,10,1,10.0,k\n', /without column\(s\) Med \(ns\)/],
    ['an unknown time unit', 'Time (%),Total Time (ticks),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name\n100.0,10,1,10.0,10.0,10,10,0.0,k\n', /unknown time unit "ticks"/],
    ['a truncated row', `${SAMPLE.split('\n').slice(0, 5).join('\n')}\n6.1,1459200,2,729600.0\n`, /line 6: 4 fields where the header has 9/],
    ['a non-numeric value', 'Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name\n100.0,abc,1,10.0,10.0,10,10,0.0,k\n', /Total Time "abc" is not a number/],
    ['a fractional instance count', 'Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name\n100.0,10,1.5,10.0,10.0,10,10,0.0,k\n', /Instances "1\.5" is not a whole number/],
  ])('rejects %s with a ProfileParseError', (_name, text, message) => {
    const parse = () => parseNsysKernelSummaryCsv(text);
    expect(parse).toThrow(ProfileParseError);
    expect(parse).toThrow(message);
  });
});
