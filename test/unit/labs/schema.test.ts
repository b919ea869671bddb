import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { labJsonSchema } from '../../../core/lab/runner/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('labs/lab.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (run: chainlab lab schema > labs/lab.schema.json)', () => {
    const committed = JSON.parse(readFileSync(path.join(root, 'labs/lab.schema.json'), 'utf8')) as unknown;
    expect(committed).toEqual(JSON.parse(JSON.stringify(labJsonSchema())));
  });

  it('names every check kind, so an editor can complete them', () => {
    const text = JSON.stringify(labJsonSchema());
    for (const k of ['object', 'field', 'endpoints', 'process', 'socket', 'rule', 'counter', 'command', 'packet', 'answer']) {
      expect(text).toContain(`"required":["${k}"]`);
    }
  });
});
