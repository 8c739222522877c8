import { readFile } from 'node:fs/promises';
import { OpsError } from '../errors.js';

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/**
 * Fills `${NAME}` placeholders (and only those: nginx's own `$variables` pass through). A
 * placeholder without a value is an error, never an empty string in a live config.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string | number>>,
): string {
  const missing = new Set<string>();
  const out = template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing.add(name);
      return '';
    }
    return String(value);
  });
  if (missing.size > 0)
    throw new OpsError(`nginx template has no value for: ${[...missing].join(', ')}`);
  return out;
}

export async function renderTemplateFile(
  file: string,
  values: Readonly<Record<string, string | number>>,
) {
  return renderTemplate(await readFile(file, 'utf8'), values);
}
