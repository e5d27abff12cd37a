/**
 * Reads a child process's stdout as JSON lines, the protocol the harness's helper processes (dynalite, the fleet
 * children) answer in: `each` gets every non-blank line, parsed, in order, however the stream cuts it.
 */
import type { Readable } from 'node:stream';

export function onJsonLines(stream: Readable | null, each: (message: Record<string, unknown>) => void): void {
  let buffered = '';
  stream?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim() !== '') each(JSON.parse(line) as Record<string, unknown>);
    }
  });
}
