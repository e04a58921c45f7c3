import { parser } from "@prometheus-io/lezer-promql";
for (const q of process.argv.slice(2)) {
  const tree = parser.parse(q);
  let out = "";
  tree.iterate({
    enter: (n) => {
      out += n.name + "(";
      if (!n.node.firstChild) out += JSON.stringify(q.slice(n.from, n.to));
    },
    leave: () => {
      out += ")";
    },
  });
  console.log(q, "=>", out);
}
