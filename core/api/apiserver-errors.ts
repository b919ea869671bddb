// Maps what kubectl / the API server says about a rejected object to the field
// it is about, so a form can show "provided port is already allocated" under
// the nodePort input instead of in a log.
import type { UserError } from '../engine/errors.js';

// `The Service "nginx" is invalid: spec.ports[0].nodePort: Invalid value: 40000: provided port …`
const INVALID = /^(?:Error from server \(Invalid\): (?:error when creating "[^"]*": )?)?The (\w+) "([^"]+)" is invalid: ?(.*)$/;
// `error: error parsing STDIN: error converting YAML to JSON: yaml: line 3: could not find expected ':'`
const YAML_LINE = /yaml: line (\d+)(?:, column (\d+))?: (.*)$/;
const FIELD = /^\s*(?:\* )?([A-Za-z][\w.]*(?:\[\d+\])?(?:\.[\w]+(?:\[\d+\])?)*): (.*)$/;

/** Field errors from a failed apply's output; one generic error when no field can be found. */
export function apiServerErrors(output: string): UserError[] {
  const errors: UserError[] = [];
  const lines = output.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const inv = INVALID.exec(line);
    if (inv !== null) {
      const object = `${inv[1]} ${inv[2]}`;
      const rest = inv[3] ?? '';
      // Several causes are listed one per line as `* field: message`.
      const causes = rest.length > 0 ? [rest] : [];
      while (i + 1 < lines.length && /^\s*\* /.test(lines[i + 1] ?? '')) causes.push(lines[++i] ?? '');
      for (const c of causes) {
        const f = FIELD.exec(c);
        if (f !== null) errors.push({ object, field: f[1], message: f[2] ?? c });
        else errors.push({ object, message: c.replace(/^\s*\* /, '') });
      }
      continue;
    }
    const y = YAML_LINE.exec(line);
    if (y !== null) {
      errors.push({ line: Number(y[1]), ...(y[2] !== undefined ? { column: Number(y[2]) } : {}), message: y[3] ?? line });
      continue;
    }
    if (/^(error|Error from server)/.test(line)) errors.push({ message: line.replace(/^error: /, '') });
  }
  return errors;
}
