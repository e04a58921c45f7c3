// An instance's stdout/stderr file, capped by copytruncate rotation, and tailing across the rotated files.
// Layout: <dir>/output.log (current), output.log.1 (previous) … output.log.<files-1>.
import fs from "node:fs";
import path from "node:path";

export const LOG_FILE = "output.log";

/**
 * An instance's output file and its size cap. The instance writes output.log itself, through a
 * descriptor opened O_APPEND (no pipe through lineops, which would break when lineops exits), so the
 * file keeps growing while lineops is down. lineops caps it by copytruncate: when output.log is past
 * maxBytes, its content moves into output.log.1 … (each at most maxBytes, cut at line boundaries,
 * at most `files - 1` of them) and output.log is truncated in place. The writer's O_APPEND offset
 * follows the truncation, so it simply continues at the start of the now empty file.
 */
export class InstanceLog {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly files: number,
  ) {
    // Instance output can carry secrets the service prints: the service account's alone.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, LOG_FILE);
  }

  /** A descriptor for the instance's stdout and stderr; close it once the process is spawned. */
  openForWriter(): number {
    const { O_WRONLY, O_APPEND, O_CREAT } = fs.constants;
    return fs.openSync(this.file, O_WRONLY | O_APPEND | O_CREAT, 0o600);
  }

  /**
   * Copytruncate once output.log is past maxBytes; returns whether it rotated. Only the newest
   * `(files - 1) × maxBytes` bytes are read, so a file that grew for days while lineops was down
   * costs no more than one rotation's worth. Lines written between the last read and the truncation
   * (microseconds: the copies are written after it) are lost, the usual price of copytruncate.
   */
  rotateIfNeeded(): boolean {
    let size: number;
    try {
      size = fs.statSync(this.file).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        return false;
      }
      throw err;
    }
    if (size <= this.maxBytes) {
      return false;
    }
    const keep = Math.max(0, this.files - 1) * this.maxBytes;
    // Read from one byte before the first byte worth keeping: it tells whether that byte starts a line.
    const start = Math.max(0, size - keep - 1);
    let content = readToEndAndTruncate(this.file, start);
    if (keep === 0) {
      return true;
    }
    // Keep at most `keep` bytes (the file may have grown while we read), starting at a line start.
    const minFrom = Math.max(content.length - keep, start > 0 ? 1 : 0);
    if (minFrom > 0) {
      const nl = content.indexOf(10, minFrom - 1);
      content = nl === -1 ? content.subarray(minFrom) : content.subarray(nl + 1);
    }
    const pieces = splitAtLines(content, this.maxBytes).slice(-(this.files - 1));
    this.#shiftRotated(pieces.length);
    // Newest piece becomes .1, the one before it .2, …
    pieces.reverse().forEach((piece, i) => {
      fs.writeFileSync(`${this.file}.${i + 1}`, piece, { mode: 0o600 });
    });
    return true;
  }

  /** .i → .(i+k) for the rotated files that still fit; those beyond `files - 1` are overwritten. */
  #shiftRotated(k: number): void {
    for (let i = this.files - 1 - k; i >= 1; i--) {
      try {
        fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + k}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
          throw err;
        }
      }
    }
  }
}

/** Reads file from `start` to its end, then truncates it to 0 right away (no write in between). */
function readToEndAndTruncate(file: string, start: number): Buffer {
  const fd = fs.openSync(file, "r+");
  try {
    const chunks: Buffer[] = [];
    let pos = start;
    for (;;) {
      const buf = Buffer.allocUnsafe(1 << 20);
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) {
        break;
      }
      chunks.push(buf.subarray(0, n));
      pos += n;
    }
    fs.ftruncateSync(fd, 0);
    return Buffer.concat(chunks);
  } finally {
    fs.closeSync(fd);
  }
}

/** Pieces of at most maxBytes, each ending at a newline where one fits; only a longer line is cut. */
export function splitAtLines(buf: Buffer, maxBytes: number): Buffer[] {
  const pieces: Buffer[] = [];
  let rest = buf;
  while (rest.length > maxBytes) {
    let cut = rest.lastIndexOf(10, maxBytes - 1) + 1;
    if (cut === 0) {
      cut = maxBytes;
    }
    pieces.push(rest.subarray(0, cut));
    rest = rest.subarray(cut);
  }
  if (rest.length > 0) {
    pieces.push(rest);
  }
  return pieces;
}

/** Last `lines` lines from dir's log files, oldest first, reading rotated files only when needed. */
export async function tailLogs(dir: string, lines: number, files: number): Promise<string[]> {
  if (lines <= 0) {
    return [];
  }
  const base = path.join(dir, LOG_FILE);
  let text = "";
  for (let i = 0; i < Math.max(1, files); i++) {
    const file = i === 0 ? base : `${base}.${i}`;
    let content: string;
    try {
      content = await fs.promises.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        continue;
      }
      throw err;
    }
    // Prepend: a line split by rotation is whole again once the files are joined in order.
    text = content + text;
    if (countNewlines(text) > lines) {
      break;
    }
  }
  const all = text.split("\n");
  if (all.at(-1) === "") {
    all.pop();
  }
  return all.slice(-lines);
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) {
    n++;
  }
  return n;
}
