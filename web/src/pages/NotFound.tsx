import { Link, useLocation } from "../app/router.js";

export function NotFound() {
  const { pathname } = useLocation();
  return (
    <section className="panel" aria-labelledby="page-title">
      <h1 id="page-title">Page not found</h1>
      <p>
        The dashboard has no page at <code>{pathname}</code>. Go to the <Link to="/">line overview</Link>.
      </p>
    </section>
  );
}
