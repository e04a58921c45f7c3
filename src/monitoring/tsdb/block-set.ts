// The blocks a database has loaded: raw blocks and each downsampled tier, oldest first. Loads
// them on open (dropping interrupted writes, quarantining future-dated blocks), adds the blocks
// compaction writes and deletes those retention or a merge retires.
import fs from "node:fs";
import path from "node:path";
import { Block } from "./block.js";
import { timeText, type FutureRepair } from "./future.js";
import type { StorageView } from "./querier.js";
import type { Logger } from "./wal.js";

const byMinTime = (a: Block, b: Block) => a.meta.minTime - b.meta.minTime;

export class BlockSet {
  raw: Block[] = [];
  readonly tiers = new Map<number, Block[]>();

  constructor(
    readonly dir: string,
    private readonly logger: Logger | undefined,
  ) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /**
   * Loads every block in the directory. Blocks starting after `openBound` go to `quarantineDir`
   * (recorded in `repaired`). Returns the time appends may resume after (the raw blocks' end).
   */
  load(openBound: number, now: number, quarantineDir: string, repaired: FutureRepair): number {
    for (const name of fs.readdirSync(this.dir)) {
      const dir = path.join(this.dir, name);
      if (name.endsWith(".tmp")) {
        fs.rmSync(dir, { recursive: true, force: true }); // a cut interrupted before its rename
        continue;
      }
      try {
        const b = Block.open(dir);
        b.index(); // verify the index checksum now rather than on the first query
        if (b.meta.minTime > openBound) {
          this.quarantine(b, name, now, quarantineDir, repaired);
          continue;
        }
        if (b.meta.resolution === 0) {
          this.raw.push(b);
        } else {
          this.listOf(b.meta.resolution).push(b);
        }
      } catch (err) {
        this.logger?.error({ err, block: name }, "tsdb: skipping unreadable block");
      }
    }
    this.raw.sort(byMinTime);
    for (const list of this.tiers.values()) {
      list.sort(byMinTime);
    }
    let appendable = -Infinity;
    for (const b of this.raw) {
      appendable = Math.max(appendable, this.appendableAfter(b, now));
    }
    return appendable;
  }

  /**
   * Where appends may resume after raw block `b`: its end, except for a block that ends after the
   * clock. Future-dated samples once made compaction cut the block holding "now" early, and its
   * aligned end would refuse every scrape for up to a block duration; appends resume after its
   * newest sample instead, and the next cut of that range makes a second block beside it (the
   * querier merges overlapping blocks by timestamp). The test is the clock itself, not the clock +
   * 10 min that bounds appends: a block ending at 12:00 opened at 11:55 refused 5 min of scrapes.
   */
  private appendableAfter(b: Block, now: number): number {
    if (b.meta.maxTime <= now) {
      return b.meta.maxTime;
    }
    let newest = -Infinity;
    for (const s of b.allSeries()) {
      for (const c of s.chunks) {
        newest = Math.max(newest, c.maxT);
      }
    }
    const after = Math.min(b.meta.maxTime, newest + 1);
    this.logger?.warn(
      {
        block: b.meta.ulid,
        minTime: timeText(b.meta.minTime),
        maxTime: timeText(b.meta.maxTime),
        appendsFrom: timeText(after),
      },
      "tsdb: block ends in the future (cut early by future-dated samples); appends resume after its newest sample",
    );
    return after;
  }

  /**
   * Moves a future-dated block out of blocks/ rather than deleting it: if the clock is what is
   * wrong (a board that booted without its RTC), the operator moves it back (docs/runbooks).
   */
  private quarantine(b: Block, name: string, now: number, qdir: string, repaired: FutureRepair): void {
    b.close();
    fs.mkdirSync(qdir, { recursive: true });
    let to = path.join(qdir, name);
    for (let i = 1; fs.existsSync(to); i++) {
      to = path.join(qdir, `${name}.${i}`);
    }
    fs.renameSync(b.dir, to);
    const { ulid, minTime, maxTime, resolution } = b.meta;
    repaired.blocks.push({ ulid, minTime, maxTime, resolution, movedTo: to });
    this.logger?.error(
      {
        block: ulid,
        minTime: timeText(minTime),
        maxTime: timeText(maxTime),
        resolution,
        clock: timeText(now),
        movedTo: to,
      },
      "tsdb: future-dated block moved to quarantine (its samples are after the clock + 10 min); " +
        "if the system clock is what is wrong, fix it, stop lineops and move the block back",
    );
  }

  private listOf(res: number): Block[] {
    let list = this.tiers.get(res);
    if (!list) {
      list = [];
      this.tiers.set(res, list);
    }
    return list;
  }

  /** Adds a block just written (raw or a tier). */
  add(b: Block): void {
    const list = b.meta.resolution === 0 ? this.raw : this.listOf(b.meta.resolution);
    list.push(b);
    list.sort(byMinTime);
  }

  /** Closes and deletes a block. */
  delete(b: Block): void {
    b.close();
    const list = b.meta.resolution === 0 ? this.raw : this.tiers.get(b.meta.resolution);
    if (list) {
      const i = list.indexOf(b);
      if (i >= 0) {
        list.splice(i, 1);
      }
    }
    fs.rmSync(b.dir, { recursive: true, force: true });
    this.logger?.info({ block: b.meta.ulid, resolution: b.meta.resolution }, "tsdb: block deleted");
  }

  /** What a querier reads at resolution `res` (copies: later cuts do not change its lists). */
  view(res: number, hiddenBefore: number, epoch: number): StorageView {
    return {
      raw: [...this.raw],
      tiers: res > 0 ? [...(this.tiers.get(res) ?? [])] : [],
      hiddenBefore,
      epoch,
    };
  }

  /** Every loaded block, raw first, each list oldest first. */
  all(): Block[] {
    return [...this.raw, ...[...this.tiers.values()].flat()];
  }

  sizeBytes(): number {
    let n = 0;
    for (const b of this.all()) {
      n += b.sizeBytes();
    }
    return n;
  }

  closeAll(): void {
    for (const b of this.all()) {
      b.close();
    }
  }
}
