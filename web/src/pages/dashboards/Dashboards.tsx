// The Dashboards page: the list, one dashboard, a new one, or a Grafana import, chosen by the URL's
// query (/dashboards, ?uid=..., ?action=new, ?action=import) so the app's flat page table serves it.
import { useLocation } from "../../app/router.js";
import { hasRole, useSession } from "../../app/session.js";
import { DashboardList } from "./DashboardList.js";
import { DashboardView } from "./DashboardView.js";
import { ImportGrafana } from "./ImportGrafana.js";
import { NewDashboard } from "./NewDashboard.js";
import { screenOf } from "./url-state.js";

export default function Dashboards() {
  const { search } = useLocation();
  const screen = screenOf(search);
  const { role } = useSession();
  switch (screen.kind) {
    case "view":
      return <DashboardView key={screen.uid} uid={screen.uid} />;
    case "import":
      return hasRole(role, "operator") ? <ImportGrafana /> : <OperatorsOnly />;
    case "new":
      return hasRole(role, "operator") ? <NewDashboard /> : <OperatorsOnly />;
    case "list":
      return <DashboardList />;
  }
}

function OperatorsOnly() {
  return (
    <div className="panel" role="status">
      <h1 id="page-title">Dashboards</h1>
      <p>Creating and importing dashboards needs the operator role; you can view every dashboard.</p>
    </div>
  );
}
