// Contact methods as people write them, checked where they enter (API body, CLI): an e-mail address,
// a phone number in E.164 (what SMS gateways and Twilio take), a chat handle, the andon board
// position (line and station, as in MQTT topics and the line/station labels), an IANA time zone.
import { z } from "zod";
import { assertTimeZone } from "../../model/zone.js";

/** E.164: "+", a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
/** The names lineops gives lines and stations (label values, MQTT topic levels): no "/", "+", "#". */
const POSITION_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

const timezone = z
  .string()
  .max(64)
  .superRefine((tz, ctx) => {
    try {
      assertTimeZone(tz);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `unknown IANA time zone ${JSON.stringify(tz)} (e.g. Europe/Berlin)`,
      });
    }
  });

/** The body of PUT /api/v1/users/:name/contact: the whole set, an omitted method is cleared. */
export const contactMethodsSchema = z.strictObject({
  email: z
    .string()
    .max(254)
    .regex(
      /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/,
      "must be an e-mail address like alice@plant.example",
    )
    .optional(),
  phone: z
    .string()
    .max(16)
    .regex(E164, "must be E.164: + and country code, digits only, e.g. +4915112345678")
    .optional(),
  chat: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^\p{Cc}\s]+$/u, "must be one word without spaces or control characters, e.g. @alice")
    .optional(),
  andon: z
    .strictObject({
      line: z.string().regex(POSITION_NAME, "must be a line name (letters, digits, _ . : -)"),
      station: z.string().regex(POSITION_NAME, "must be a station name (letters, digits, _ . : -)"),
    })
    .optional(),
  timezone: timezone.optional(),
});

export type ContactMethodsInput = z.input<typeof contactMethodsSchema>;
