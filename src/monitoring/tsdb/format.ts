// The TSDB directory's format marker, <dir>/FORMAT = {"format": N, "writtenBy": "<lineops version>"}:
// a newer lineops that changes the on-disk layout (blocks, WAL, checkpoints) raises N, so an older
// one refuses the directory before reading or writing anything instead of misreading it. A
// directory without the marker was written before markers existed: that layout is format 1.
import fs from "node:fs";
import path from "node:path";
import { VERSION } from "../../version.js";
import { TsdbErrors } from "./errors.js";

/** The on-disk format this build reads and writes. */
export const TSDB_FORMAT = 1;

export const FORMAT_FILE = "FORMAT";

export type FormatMarker = { format: number; writtenBy: string };

/**
 * Reads the marker and refuses a newer format (newerFormat) or an unreadable marker (corrupt).
 * Returns undefined when there is none (a new directory, or one from before markers). Writes nothing.
 */
export function checkFormat(dir: string, version: string = VERSION): FormatMarker | undefined {
  const file = path.join(dir, FORMAT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return undefined;
    }
    throw TsdbErrors.corrupt(`TSDB ${dir}: cannot read ${FORMAT_FILE}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const marker = parseMarker(text);
  if (!marker) {
    throw TsdbErrors.corrupt(
      `TSDB ${dir}: ${FORMAT_FILE} is not {"format": <integer>, "writtenBy": "<version>"}: refusing to open; ` +
        "restore it from a backup (a TSDB from this lineops has format " +
        `${TSDB_FORMAT})`,
    );
  }
  if (marker.format > TSDB_FORMAT) {
    throw TsdbErrors.newerFormat(
      `TSDB ${dir} (format ${marker.format}) was written by a newer lineops (${marker.writtenBy}) than this one ` +
        `(${version}, reads format ${TSDB_FORMAT}): refusing to open so nothing is corrupted; ` +
        "run the newer version or restore a backup",
    );
  }
  return marker;
}

function parseMarker(text: string): FormatMarker | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") {
    return undefined;
  }
  const { format, writtenBy } = v as Record<string, unknown>;
  if (!Number.isSafeInteger(format) || (format as number) < 1 || typeof writtenBy !== "string") {
    return undefined;
  }
  return { format: format as number, writtenBy };
}

/**
 * Marks dir as this build's format (after checkFormat, with the directory locked). Written to a
 * temporary file, synced and renamed, so a crash leaves either no marker or a whole one.
 */
export function writeFormat(dir: string, version: string = VERSION): void {
  const file = path.join(dir, FORMAT_FILE);
  const tmp = `${file}.tmp`;
  const marker: FormatMarker = { format: TSDB_FORMAT, writtenBy: version };
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(marker)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(dir);
}

function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) {
      fs.closeSync(fd);
    }
  }
}
