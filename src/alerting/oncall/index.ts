// People and on-call: what the rest of lineops uses (incidents, escalation, channels, API, main.ts).
export { OnCallDirectory } from "./directory.js";
export type {
  LayerInput,
  NotifyTarget,
  OnCallNow,
  OnCallStores,
  Override,
  Person,
  Schedule,
  ScheduleInput,
  ScheduleShift,
  Team,
} from "./directory.js";
export { contactMethodsSchema, E164, type ContactMethodsInput } from "./contact.js";
export { OnCallErrors } from "./errors.js";
export {
  compileSchedule,
  renderSchedule,
  whoIsOnCall,
  type CompiledSchedule,
  type LayerSpec,
  type OverrideSpec,
  type RotationSpec,
  type ScheduleSpec,
  type Shift,
  type ShiftSource,
} from "./schedule.js";
export type { ContactMethods } from "../../store/contacts.js";
