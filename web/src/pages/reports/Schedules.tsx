// Report schedules and the files they generated. Everyone sees them and downloads the files;
// operators add and delete schedules (the buttons are not shown to viewers, and the API refuses
// viewers anyway). Email delivery comes with P10's SMTP channel: until then, files are downloaded.
import { useId, useState, type FormEvent } from "react";
import { RequireRole } from "../../app/session.js";
import {
  addSchedule,
  deleteSchedule,
  fileUrl,
  type Format,
  type Period,
  type ReportFile,
  type Schedule,
  type ScheduleSpec,
} from "./api.js";
import { message, when } from "./format.js";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

function describeSchedule(s: Schedule): string {
  switch (s.period) {
    case "shift":
      return s.shift ? `at each end of shift ${s.shift}` : "at the end of every shift";
    case "day":
      return `daily at ${s.at}`;
    case "week":
      return `weekly, ${s.weekday} at ${s.at}`;
  }
}

export function Schedules(props: {
  schedules: Schedule[];
  files: ReportFile[];
  pdfAvailable: boolean;
  onChange: () => void;
}) {
  const [error, setError] = useState<string | undefined>(undefined);
  const remove = (s: Schedule) => {
    setError(undefined);
    deleteSchedule(s.id).then(props.onChange, (err: unknown) => setError(message(err)));
  };
  return (
    <>
      <section className="panel reports-section" aria-labelledby="schedules-title">
        <h2 id="schedules-title">Schedules</h2>
        <p className="muted">
          Scheduled reports are kept on the lineops host and listed below. Delivery by email comes with
          P10&apos;s SMTP channel.
        </p>
        {error !== undefined && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {props.schedules.length === 0 ? (
          <p className="muted">No schedules.</p>
        ) : (
          <div className="table-wrap">
            <table className="result-table">
              <caption className="visually-hidden">Report schedules</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">When</th>
                  <th scope="col">Formats</th>
                  <th scope="col">Next</th>
                  <RequireRole need="operator">
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </RequireRole>
                </tr>
              </thead>
              <tbody>
                {props.schedules.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">{s.name}</th>
                    <td>{describeSchedule(s)}</td>
                    <td>{s.formats.join(", ")}</td>
                    <td>{when(s.nextDueAt)}</td>
                    <RequireRole need="operator">
                      <td>
                        <button type="button" className="danger" onClick={() => remove(s)}>
                          Delete <span className="visually-hidden">schedule {s.name}</span>
                        </button>
                      </td>
                    </RequireRole>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <RequireRole need="operator">
          <AddSchedule pdfAvailable={props.pdfAvailable} onAdded={props.onChange} />
        </RequireRole>
      </section>
      <section className="panel reports-section" aria-labelledby="files-title">
        <h2 id="files-title">Generated reports</h2>
        {props.files.length === 0 ? (
          <p className="muted">None yet: schedules write them when they come due.</p>
        ) : (
          <ul className="report-files">
            {props.files.map((f) => (
              <li key={f.id}>
                <a href={fileUrl(f.id)} download>
                  {f.title} ({f.format.toUpperCase()}, {Math.ceil(f.bytes / 1024)} KiB)
                </a>{" "}
                <span className="muted">generated {when(f.createdAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function AddSchedule({ pdfAvailable, onAdded }: { pdfAvailable: boolean; onAdded: () => void }) {
  const id = useId();
  const [name, setName] = useState("");
  const [period, setPeriod] = useState<Period>("day");
  const [at, setAt] = useState("06:00");
  const [weekday, setWeekday] = useState("Mon");
  const [shift, setShift] = useState("");
  const [formats, setFormats] = useState<Format[]>(["html", "csv"]);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    const spec: ScheduleSpec =
      period === "shift"
        ? { name, period, formats, ...(shift === "" ? {} : { shift }) }
        : period === "day"
          ? { name, period, at, formats }
          : { name, period, weekday, at, formats };
    addSchedule(spec).then(
      () => {
        setName("");
        onAdded();
      },
      (err: unknown) => setError(message(err)),
    );
  };
  const toggle = (f: Format) =>
    setFormats((old) => (old.includes(f) ? old.filter((x) => x !== f) : [...old, f]));

  return (
    <form className="reports-form schedule-form" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>Add a schedule</h3>
      <label htmlFor={`${id}-name`}>Name</label>
      <input
        id={`${id}-name`}
        value={name}
        required
        maxLength={64}
        onChange={(e) => setName(e.target.value)}
      />
      <label htmlFor={`${id}-period`}>Every</label>
      <select id={`${id}-period`} value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
        <option value="shift">Shift end</option>
        <option value="day">Day</option>
        <option value="week">Week</option>
      </select>
      {period === "week" && (
        <>
          <label htmlFor={`${id}-weekday`}>On</label>
          <select id={`${id}-weekday`} value={weekday} onChange={(e) => setWeekday(e.target.value)}>
            {WEEKDAYS.map((d) => (
              <option key={d}>{d}</option>
            ))}
          </select>
        </>
      )}
      {period !== "shift" ? (
        <>
          <label htmlFor={`${id}-at`}>At (line time)</label>
          <input id={`${id}-at`} type="time" value={at} required onChange={(e) => setAt(e.target.value)} />
        </>
      ) : (
        <>
          <label htmlFor={`${id}-shift`}>Shift (empty: every shift)</label>
          <input id={`${id}-shift`} value={shift} onChange={(e) => setShift(e.target.value)} />
        </>
      )}
      <fieldset>
        <legend>Formats</legend>
        {(["html", "csv", "pdf"] as Format[]).map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              checked={formats.includes(f)}
              disabled={f === "pdf" && !pdfAvailable}
              onChange={() => toggle(f)}
            />{" "}
            {f.toUpperCase()}
          </label>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={formats.length === 0}>
        Add schedule
      </button>
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
