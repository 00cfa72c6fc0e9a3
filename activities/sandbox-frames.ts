/** Length-prefixed frames (kisystem_io.h) read from and written to a stream, for the trusted driver. */
import type { Readable, Writable } from 'node:stream';

export function encodeFrame(payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(payload.length));
  return Buffer.concat([head, payload]);
}

/** Splits a whole buffer into its frames (after `offset`); throws on a truncated one. */
export function decodeFrames(bytes: Buffer, offset = 0): Buffer[] {
  const frames: Buffer[] = [];
  let at = offset;
  while (at < bytes.length) {
    if (bytes.length - at < 8) throw new Error('a frame header is cut short');
    const n = Number(bytes.readBigUInt64LE(at));
    if (bytes.length - at - 8 < n) throw new Error(`a frame of ${n} bytes is cut short`);
    frames.push(bytes.subarray(at + 8, at + 8 + n));
    at += 8 + n;
  }
  return frames;
}

/** Reads frames one at a time from a stream; null when the stream ended (or broke) before a whole frame. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private wake: (() => void) | null = null;
  /** Bytes read so far in total (a cap protects the worker's memory). */
  total = 0;

  constructor(stream: Readable, private readonly capBytes: number) {
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.total += chunk.length;
      if (this.total > this.capBytes) stream.destroy();
      this.wake?.();
    });
    const end = () => {
      this.ended = true;
      this.wake?.();
    };
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', end);
  }

  private take(n: number): Buffer {
    const all = Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    this.chunks = [all.subarray(n)];
    this.length -= n;
    return out;
  }

  private async waitFor(n: number): Promise<boolean> {
    while (this.length < n) {
      if (this.ended) return false;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return true;
  }

  async next(): Promise<Buffer | null> {
    if (!(await this.waitFor(8))) return null;
    const n = Number(Buffer.concat(this.chunks).readBigUInt64LE(0));
    if (n > this.capBytes || !(await this.waitFor(8 + n))) return null;
    this.take(8);
    return this.take(n);
  }

  /** Everything until the stream ends. */
  async rest(): Promise<Buffer> {
    while (!this.ended) {
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return this.take(this.length);
  }
}

/** Writes a buffer, waiting when the pipe is full; false when the reader went away. */
export function writeAll(stream: Writable, bytes: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve(false);
    const ok = stream.write(bytes, (error) => error && resolve(false));
    if (ok) resolve(true);
    else {
      const done = (v: boolean) => () => {
        stream.off('drain', onDrain);
        stream.off('close', onClose);
        resolve(v);
      };
      const onDrain = done(true);
      const onClose = done(false);
      stream.once('drain', onDrain);
      stream.once('close', onClose);
    }
  });
}
