// How to reach a person: one row of contact methods per user (email, phone, chat handle, the andon
// board position they stand at, their time zone). Values are checked by the caller (alerting/oncall/
// contact.ts); this stores them as given. The row goes with its user (ON DELETE CASCADE).
import type { Db } from "./db.js";

export type ContactMethods = {
  email?: string;
  /** E.164, e.g. +4915112345678. */
  phone?: string;
  /** A chat handle, e.g. @alice or a Slack member id. */
  chat?: string;
  /** The andon board position the person answers for (MQTT topics are per line and station). */
  andon?: { line: string; station: string };
  /** IANA zone the person lives in (schedules show their shifts in it). */
  timezone?: string;
};

type Row = {
  user_id: string;
  email: string | null;
  phone: string | null;
  chat: string | null;
  andon_line: string | null;
  andon_station: string | null;
  timezone: string | null;
};

const toMethods = (r: Row | undefined): ContactMethods => {
  if (r === undefined) {
    return {};
  }
  return {
    ...(r.email === null ? {} : { email: r.email }),
    ...(r.phone === null ? {} : { phone: r.phone }),
    ...(r.chat === null ? {} : { chat: r.chat }),
    ...(r.andon_line === null || r.andon_station === null
      ? {}
      : { andon: { line: r.andon_line, station: r.andon_station } }),
    ...(r.timezone === null ? {} : { timezone: r.timezone }),
  };
};

export class ContactRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** The user's contact methods ({} when none were set). */
  get(userId: string): ContactMethods {
    return toMethods(
      this.db.prepare("SELECT * FROM user_contacts WHERE user_id = ?").get(userId) as Row | undefined,
    );
  }

  /** Contact methods of several users at once, by user id. */
  forUsers(userIds: readonly string[]): Map<string, ContactMethods> {
    const out = new Map<string, ContactMethods>();
    const stmt = this.db.prepare("SELECT * FROM user_contacts WHERE user_id = ?");
    for (const id of userIds) {
      out.set(id, toMethods(stmt.get(id) as Row | undefined));
    }
    return out;
  }

  /** Replaces the user's contact methods (an absent method is cleared). */
  set(userId: string, c: ContactMethods): ContactMethods {
    this.db
      .prepare(
        `INSERT INTO user_contacts (user_id, email, phone, chat, andon_line, andon_station, timezone, updated_at)
         VALUES (@user_id, @email, @phone, @chat, @andon_line, @andon_station, @timezone, @at)
         ON CONFLICT (user_id) DO UPDATE SET email = @email, phone = @phone, chat = @chat,
           andon_line = @andon_line, andon_station = @andon_station, timezone = @timezone, updated_at = @at`,
      )
      .run({
        user_id: userId,
        email: c.email ?? null,
        phone: c.phone ?? null,
        chat: c.chat ?? null,
        andon_line: c.andon?.line ?? null,
        andon_station: c.andon?.station ?? null,
        timezone: c.timezone ?? null,
        at: this.now(),
      });
    return this.get(userId);
  }
}
