// Size-capped rotating capture of an instance's stdout/stderr, and tailing across the rotated files.
// Layout: <dir>/output.log (current), output.log.1 (previous) … output.log.<files-1>.
import fs from "node:fs";
import path from "node:path";

export const LOG_FILE = "output.log";

export class RotatingLog {
  readonly file: string;
  #size: number;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
    private readonly files: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, LOG_FILE);
    this.#size = fileSize(this.file);
  }

  /**
   * Appends a chunk, rotating first if it would push the current file past maxBytes.
   * Synchronous appends without a held fd: output that arrives after the process exited (pipes drain
   * late) still lands, and there is no descriptor lifecycle to get wrong.
   */
  write(chunk: Buffer | string): void {
    const len = typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (this.#size > 0 && this.#size + len > this.maxBytes) {
      this.rotate();
    }
    fs.appendFileSync(this.file, chunk);
    this.#size += len;
  }

  /** current → .1 → .2 …; the oldest beyond `files` is dropped. */
  rotate(): void {
    const keep = Math.max(1, this.files);
    for (let i = keep - 1; i >= 1; i--) {
      const from = i === 1 ? this.file : `${this.file}.${i - 1}`;
      const to = `${this.file}.${i}`;
      try {
        fs.renameSync(from, to);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
          throw err;
        }
      }
    }
    if (keep === 1) {
      fs.rmSync(this.file, { force: true });
    }
    this.#size = 0;
  }
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

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) {
    n++;
  }
  return n;
}
