// Input streams for commands: a fixed text (file, here-doc, `echo x |` already
// finished) or a pipe whose writer is still running (`kubectl get -w | grep`).
import type { InputStream } from './host.js';

export function textInput(text: string): InputStream {
  let taken = false;
  return {
    read: () => {
      if (taken || text === '') return Promise.resolve(null);
      taken = true;
      return Promise.resolve(text);
    },
    readAll: () => {
      if (taken) return Promise.resolve('');
      taken = true;
      return Promise.resolve(text);
    },
  };
}

export const emptyInput = (): InputStream => textInput('');

/** A pipe between two commands: the writer's stdout feeds the reader's stdin. */
export class Pipe implements InputStream {
  private chunks: string[] = [];
  private closed = false;
  private waiting: (() => void) | null = null;
  /** Set when the reader stops reading (`head -1`): the writer's signal aborts, as SIGPIPE would. */
  onReaderGone: (() => void) | null = null;

  write(s: string): void {
    if (this.closed || s === '') return;
    this.chunks.push(s);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  readerDone(): void {
    this.onReaderGone?.();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.();
  }

  async read(): Promise<string | null> {
    for (;;) {
      if (this.chunks.length > 0) return this.chunks.splice(0).join('');
      if (this.closed) return null;
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  async readAll(): Promise<string> {
    let out = '';
    for (;;) {
      const c = await this.read();
      if (c === null) return out;
      out += c;
    }
  }
}

/** Reads a stream line by line (each line without its `\n`; a last partial line included). */
export async function* lines(input: InputStream): AsyncGenerator<string> {
  let buf = '';
  for (;;) {
    const c = await input.read();
    if (c === null) break;
    buf += c;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf !== '') yield buf;
}
