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

/** Bytes a reader holds before it stops reading (the writer then blocks on a full pipe). */
const HIGH_WATER = 1024 * 1024;

/**
 * Reads frames from a stream with bounded memory and linear cost: it holds at most about
 * HIGH_WATER bytes beyond what its caller asked for (the stream is paused past that, so a flood of
 * frames blocks its writer instead of filling the worker), copies each byte at most once, and hands a
 * frame's payload on piece by piece ({@link nextInto}) without assembling it. Past `capBytes` in
 * total the stream is destroyed. Every method returns null or false when the stream ended (or
 * broke) first.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private ended = false;
  private discarding = false;
  private wake: (() => void) | null = null;
  /** Bytes read so far in total. */
  total = 0;

  constructor(
    private readonly stream: Readable,
    private readonly capBytes: number,
  ) {
    stream.on('data', (chunk: Buffer) => {
      this.total += chunk.length;
      if (this.total > this.capBytes) {
        stream.destroy();
        return;
      }
      if (this.discarding) return;
      this.chunks.push(chunk);
      this.length += chunk.length;
      if (this.length >= HIGH_WATER) stream.pause();
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

  /** Up to `n` bytes from the front, without a copy when they lie in one chunk. */
  private takeUpTo(n: number): Buffer {
    const first = this.chunks[0]!;
    const piece = first.length <= n ? first : first.subarray(0, n);
    if (piece === first) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.length -= piece.length;
    return piece;
  }

  /** Exactly `n` buffered bytes (n <= length), copied once when they span chunks. */
  private take(n: number): Buffer {
    if (this.chunks[0] && this.chunks[0].length >= n) return this.takeUpTo(n);
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const piece = this.takeUpTo(n - at);
      piece.copy(out, at);
      at += piece.length;
    }
    return out;
  }

  private async waitFor(n: number): Promise<boolean> {
    while (this.length < n) {
      if (this.ended) return false;
      this.stream.resume();
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    return true;
  }

  /** The next frame's payload length, or null. */
  private async header(): Promise<number | null> {
    if (!(await this.waitFor(8))) return null;
    const n = Number(this.take(8).readBigUInt64LE(0));
    return n > this.capBytes ? null : n;
  }

  /** The next frame's payload handed to `sink` piece by piece (awaited: backpressure); its length, or null. */
  async nextInto(sink: (piece: Buffer) => void | Promise<void>): Promise<number | null> {
    const n = await this.header();
    if (n === null) return null;
    let left = n;
    while (left > 0) {
      if (!(await this.waitFor(1))) return null;
      const piece = this.takeUpTo(left);
      left -= piece.length;
      await sink(piece);
    }
    return n;
  }

  /** The next frame's payload whole (for frames known to be small), or null. */
  async next(): Promise<Buffer | null> {
    const n = await this.header();
    if (n === null || !(await this.waitFor(n))) return null;
    return this.take(n);
  }

  /** From now on, what arrives is counted against the cap and dropped (output after the last answer). */
  discardRest(): void {
    this.discarding = true;
    this.chunks = [];
    this.length = 0;
    this.stream.resume();
  }

  /** Everything until the stream ends (a trusted program's output). */
  async rest(): Promise<Buffer> {
    while (!this.ended) {
      this.stream.resume();
      await new Promise<void>((r) => (this.wake = r));
      this.wake = null;
    }
    const all = Buffer.concat(this.chunks, this.length);
    this.chunks = [];
    this.length = 0;
    return all;
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
