// Who may read lineops's state on disk: the data dir is the service account's alone (0700), the
// database, pidfiles and instance logs 0600. Modes left wider by older versions (or a umask of 022)
// are tightened at start; the caller logs what changed.
import fs from "node:fs";
import path from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

// The TSDB owns the layout under its directory (and it can hold thousands of files): only its
// directory is tightened, which already keeps everything under it from other users.
const OWN_LAYOUT = new Set(["tsdb"]);

/**
 * Creates dir 0700 if missing, and tightens it if it can. Best effort on an existing one: the
 * failure to tighten is secureDataDir's to report.
 */
export function privateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  bestEffort(() => tighten(dir, PRIVATE_DIR_MODE));
}

/** Creates file empty with 0600 if missing, so whatever opens it next inherits that mode. */
export function privateFile(file: string): void {
  fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
  bestEffort(() => tighten(file, PRIVATE_FILE_MODE));
}

function bestEffort(f: () => unknown): void {
  try {
    f();
  } catch {
    // reported by secureDataDir at start
  }
}

/** chmod when group or other have any bit; never widens. Missing paths are fine. */
function tighten(p: string, mode: number): boolean {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return false;
  }
  if ((st.mode & 0o077) === 0) {
    return false;
  }
  fs.chmodSync(p, mode);
  return true;
}

/**
 * Makes the data dir private (creating it and `subdirs` 0700, so stages that create them later
 * with their own defaults find them private) and tightens every directory and file under it,
 * except inside OWN_LAYOUT directories. Returns the paths whose mode changed, and those it could not change.
 */
export function secureDataDir(
  dataDir: string,
  subdirs: readonly string[] = [],
): { changed: string[]; failed: { path: string; reason: string }[] } {
  const changed: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  // A file another account owns (a root-made dir, a backup tool's group) cannot be chmod-ed by us:
  // say so rather than refuse to start the line over it.
  const check = (p: string, mode: number) => {
    try {
      if (tighten(p, mode)) {
        changed.push(p);
      }
    } catch (err) {
      failed.push({ path: p, reason: (err as NodeJS.ErrnoException).code ?? String(err) });
    }
  };
  fs.mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  check(dataDir, PRIVATE_DIR_MODE);
  for (const sub of subdirs) {
    fs.mkdirSync(path.join(dataDir, sub), { recursive: true, mode: PRIVATE_DIR_MODE });
  }
  const walk = (dir: string, top: boolean) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        check(p, PRIVATE_DIR_MODE);
        if (!(top && OWN_LAYOUT.has(e.name))) {
          walk(p, false);
        }
      } else if (e.isFile()) {
        check(p, PRIVATE_FILE_MODE);
      }
    }
  };
  walk(dataDir, true);
  return { changed, failed };
}
