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

/** Creates dir 0700 if missing. Returns true when an existing dir had to be tightened. */
export function privateDir(dir: string): boolean {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  return tighten(dir, PRIVATE_DIR_MODE);
}

/** Creates file empty with 0600 if missing, so whatever opens it next inherits that mode. */
export function privateFile(file: string): boolean {
  fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
  return tighten(file, PRIVATE_FILE_MODE);
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
 * except inside OWN_LAYOUT directories. Returns the paths whose mode changed.
 */
export function secureDataDir(dataDir: string, subdirs: readonly string[] = []): string[] {
  const changed: string[] = [];
  if (privateDir(dataDir)) {
    changed.push(dataDir);
  }
  for (const sub of subdirs) {
    fs.mkdirSync(path.join(dataDir, sub), { recursive: true, mode: PRIVATE_DIR_MODE });
  }
  const walk = (dir: string, top: boolean) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (tighten(p, PRIVATE_DIR_MODE)) {
          changed.push(p);
        }
        if (!(top && OWN_LAYOUT.has(e.name))) {
          walk(p, false);
        }
      } else if (e.isFile() && tighten(p, PRIVATE_FILE_MODE)) {
        changed.push(p);
      }
    }
  };
  walk(dataDir, true);
  return changed;
}
