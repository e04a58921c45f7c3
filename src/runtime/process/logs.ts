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
    // Instance output can carry secrets the service prints: the service account's alone.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, LOG_FILE);
    this.#size = fileSize(this.file);
  }

  /**
   * Appends a chunk, rotating whenever the current file would pass maxBytes. A chunk is split at the
   * last newline that fits, so files end on line boundaries; only a line longer than maxBytes is cut.
   * Synchronous appends without a held fd: output that arrives after the process exited (pipes drain
   * late) still lands, and there is no descriptor lifecycle to get wrong.
   */
  write(chunk: Buffer | string): void {
    let buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    while (buf.length > 0) {
      const room = this.maxBytes - this.#size;
      if (buf.length <= room) {
        this.#append(buf);
        return;
      }
      let cut = room > 0 ? buf.lastIndexOf(10, room - 1) + 1 : 0;
      if (cut === 0) {
        if (this.#size > 0) {
          this.rotate();
          continue;
        }
        cut = room;
      }
      this.#append(buf.subarray(0, cut));
      buf = buf.subarray(cut);
      this.rotate();
    }
  }

  #append(buf: Buffer): void {
    fs.appendFileSync(this.file, buf, { mode: 0o600 });
    this.#size += buf.length;
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
