// Formatting of the API's values for display.

/** Format a number with up to four significant digits; null becomes a dash. */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude >= 1e5 || magnitude < 1e-3)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

/** Format a parameter value for display; a float keeps six significant digits. */
export function formatValue(value) {
  if (typeof value === "number" && !Number.isInteger(value)) return String(Number(value.toPrecision(6)));
  return String(value);
}

/** Format an ISO 8601 time as local date and time to the second. */
export function formatTime(iso) {
  if (!iso) return "–";
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return String(iso);
  const pad = (number) => String(number).padStart(2, "0");
  return (
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`
  );
}

/** Return the first eight characters of an id, enough to tell ids apart on screen. */
export function shortId(id) {
  return String(id ?? "").slice(0, 8);
}

/** Describe an experiment's objective, such as "runtime (s), minimised". */
export function objectiveLabel(objective) {
  const type = objective?.type ?? "runtime";
  const direction = objective?.direction === "maximize" ? "maximised" : "minimised";
  if (type === "runtime") return `runtime (s), ${direction}`;
  if (type === "json") return `${objective.key}, ${direction}`;
  return `objective, ${direction}`;
}

/** Describe a parameter's search space, such as "int 1–5" or "one of a, b". */
export function describeParameter(parameter) {
  switch (parameter.type) {
    case "int":
    case "float":
      return `${parameter.type} ${formatValue(parameter.minimum)}–${formatValue(parameter.maximum)}${parameter.log ? ", log" : ""}`;
    case "categorical":
      return `one of ${parameter.values.map(formatValue).join(", ")}`;
    case "bool":
      return "true or false";
    case "constant":
      return `always ${formatValue(parameter.value)}`;
    default:
      return parameter.type;
  }
}

/** Return the optimiser's name as a job shows it, with what `auto` chose. */
export function optimizerName(job) {
  const requested = job.optimizer?.type ?? "?";
  if (job.optimizer_used && job.optimizer_used !== requested) {
    return `${requested} (${job.optimizer_used})`;
  }
  return requested;
}
