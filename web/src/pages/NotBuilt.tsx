// The honest placeholder of a page that later work builds: what it will show and which issue brings it.
import type { PageDef } from "../app/pages.js";
import { Link } from "../app/router.js";

export function NotBuilt({ page }: { page: PageDef }) {
  return (
    <section className="panel not-built" aria-labelledby="page-title">
      <h1 id="page-title">{page.title}</h1>
      <p className="badge">Not built yet</p>
      <p>{page.purpose}</p>
      <p>
        This page comes with {page.comesWith}. Until then, query the same data in{" "}
        <Link to="/explore">Explore</Link> or through the API and the <code>lineops</code> CLI.
      </p>
    </section>
  );
}
