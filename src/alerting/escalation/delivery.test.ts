// The alerting config's delivery and escalation settings: receivers' `delivery:` become outbox
// policies for each of their channels (a fallback receiver means its first channel), names that
// point nowhere are refused at load, and person channels carry the person's own address.
import { describe, expect, it } from "vitest";
import { parseAlertingConfig } from "../config/load.js";
import type { Person } from "../oncall/directory.js";
import { deliveryPolicies } from "./delivery.js";
import { PersonChannels } from "./person-channels.js";

const base = `route: { receiver: oncall }
receivers:
  - name: oncall
    webhook_configs: [{ url: "http://127.0.0.1:9/a" }, { url: "http://127.0.0.1:9/b" }]
    delivery: { fallback: sms, max_attempts: 3 }
  - name: sms
    sms_configs: [{ account_sid: AC1, auth_token: t, from: "+15005550006", to: "+15551234567" }]
`;

const errorOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
};

describe("delivery settings", () => {
  it("applies a receiver's delivery: to each of its channels, its fallback receiver as its first channel", () => {
    const policies = deliveryPolicies(parseAlertingConfig(base));
    expect(Object.keys(policies)).toEqual(["oncall/webhook/0", "oncall/webhook/1"]);
    expect(policies["oncall/webhook/1"]).toMatchObject({ fallback: "sms/sms/0", maxAttempts: 3 });
  });

  it("refuses a fallback or a contact receiver that names nothing, naming the field", () => {
    expect(errorOf(() => parseAlertingConfig(base.replace("fallback: sms", "fallback: pager")))).toMatch(
      /receivers\[0\]\.delivery\.fallback: "pager" is neither a receiver nor a channel/,
    );
    expect(errorOf(() => parseAlertingConfig(`${base}escalation: { contacts: { email: sms } }\n`))).toMatch(
      /escalation\.contacts\.email: receiver "sms" has no email_configs/,
    );
    expect(errorOf(() => parseAlertingConfig(`${base}escalation: { contacts: { sms: ghost } }\n`))).toMatch(
      /escalation\.contacts\.sms: undefined receiver "ghost"/,
    );
  });
});

describe("person channels", () => {
  const alice: Person = {
    id: "u1",
    name: "alice",
    role: "operator",
    disabled: false,
    contact: { phone: "+4915112345678", email: "alice@plant.example" },
  };
  it("name the methods a person has and a contact receiver exists for, and resolve to that address", async () => {
    const config = parseAlertingConfig(`${base}escalation: { contacts: { sms: sms } }\n`);
    let person = alice;
    const persons = new PersonChannels(config, (name) => (name === "alice" ? person : undefined));
    expect(persons.namesFor(alice)).toEqual(["person/alice/sms"]);
    expect(persons.namesFor({ ...alice, disabled: true })).toEqual([]);
    const first = persons.resolve("person/alice/sms");
    expect(first).toMatchObject({ name: "person/alice/sms", type: "sms" });
    expect(persons.resolve("person/alice/sms")).toBe(first);
    person = { ...alice, contact: { phone: "+4915199999999" } };
    expect(persons.resolve("person/alice/sms")).not.toBe(first);
    expect(persons.resolve("person/bob/sms")).toBeUndefined();
    expect(persons.resolve("oncall/webhook/0")).toBeUndefined();
    await persons.close();
  });
});
