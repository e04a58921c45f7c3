// Arithmetic and comparison of two floats with Prometheus's (Go's) semantics, one implementation for
// PromQL's binary operators and the analysis conditions of deployments. Unknown operators give NaN
// (arith) or false (compare).

/** Go's math.Mod semantics (sign of the dividend), which JS % already follows. */
export function arith(op: string, l: number, r: number): number {
  switch (op) {
    case "+":
      return l + r;
    case "-":
      return l - r;
    case "*":
      return l * r;
    case "/":
      return l / r;
    case "%":
      return l % r;
    case "^":
      return goPow(l, r);
    case "atan2":
      return Math.atan2(l, r);
    default:
      return NaN;
  }
}

/** Go's math.Pow differs from JS for 1^NaN and (-1)^±Inf: both are 1 in Go. */
export function goPow(x: number, y: number): number {
  if (x === 1 || y === 0) {
    return 1;
  }
  if (x === -1 && (y === Infinity || y === -Infinity)) {
    return 1;
  }
  return Math.pow(x, y);
}

export function compare(op: string, l: number, r: number): boolean {
  switch (op) {
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case ">":
      return l > r;
    case "<":
      return l < r;
    case ">=":
      return l >= r;
    case "<=":
      return l <= r;
    default:
      return false;
  }
}
