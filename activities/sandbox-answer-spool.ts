/**
 * The candidate's answers on their way to the trusted checker: written to a file in the trusted
 * folder as they arrive (never held whole in the worker), then streamed to the checker in case
 * order, whatever order they were asked in.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { writeAll, type FrameReader } from './sandbox-frames';

export class AnswerSpool {
  private readonly out: WriteStream;
  private offset = 0;
  /** Where each case's answer lies in the file, by case index. */
  private readonly ranges = new Map<number, { start: number; length: number }>();

  constructor(readonly path: string) {
    // Large writes: the pieces of one answer are written while the driver times its round trip.
    this.out = createWriteStream(path, { mode: 0o600, highWaterMark: 16 * 1024 * 1024 });
    this.out.on('error', () => undefined); // surfaces as a short answer file: the checker fails to judge
  }

  /** Reads the next answer frame into the file as case `index`; false when the candidate gave none. */
  async take(index: number, reader: FrameReader): Promise<boolean> {
    const start = this.offset;
    const n = await reader.nextInto(async (piece) => {
      if (!this.out.write(piece)) await once(this.out, 'drain');
    });
    if (n === null) return false;
    this.offset += n;
    this.ranges.set(index, { start, length: n });
    return true;
  }

  /** Cases answered, in case order from 0 (stops at the first one missing). */
  answered(): number {
    let n = 0;
    while (this.ranges.has(n)) n++;
    return n;
  }

  /** Writes the answers to `stdin` as frames in case order (stops at the first missing one), then ends it. */
  async streamTo(stdin: Writable): Promise<void> {
    this.out.end();
    await once(this.out, 'close');
    for (let i = 0; this.ranges.has(i); i++) {
      const { start, length } = this.ranges.get(i)!;
      const head = Buffer.alloc(8);
      head.writeBigUInt64LE(BigInt(length));
      if (!(await writeAll(stdin, head))) break;
      if (length === 0) continue;
      let ok = true;
      for await (const chunk of createReadStream(this.path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 })) {
        if (!(await writeAll(stdin, chunk as Buffer))) {
          ok = false;
          break;
        }
      }
      if (!ok) break;
    }
    stdin.end();
  }

  async remove(): Promise<void> {
    if (!this.out.closed) this.out.destroy();
    await rm(this.path, { force: true });
  }
}
