// The Reports page: SLOs per service with their burn rates, an operations report on request (HTML,
// CSV, PDF), and the report schedules with the files they generated (docs/reports.md).
import { useCallback, useEffect, useState } from "react";
import { getFiles, getSchedules, type ReportFile, type Schedule } from "./api.js";
import { message } from "./format.js";
import { GenerateReport } from "./GenerateReport.js";
import { Schedules } from "./Schedules.js";
import { SloTable } from "./SloTable.js";

type Lists = { schedules: Schedule[]; files: ReportFile[]; pdfAvailable: boolean };

export default function Reports() {
  const [lists, setLists] = useState<Lists | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const reload = useCallback(() => {
    Promise.all([getSchedules(), getFiles()]).then(
      ([s, f]) => setLists({ schedules: s.schedules, pdfAvailable: s.pdfAvailable, files: f.files }),
      (err: unknown) => setError(message(err)),
    );
  }, []);
  useEffect(reload, [reload]);

  return (
    <section aria-labelledby="page-title" className="reports-page">
      <h1 id="page-title">Reports</h1>
      <SloTable />
      <GenerateReport pdfAvailable={lists?.pdfAvailable ?? false} />
      {error !== undefined && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {lists === undefined ? (
        error === undefined && (
          <p className="muted" role="status">
            Loading schedules…
          </p>
        )
      ) : (
        <Schedules {...lists} onChange={reload} />
      )}
    </section>
  );
}
