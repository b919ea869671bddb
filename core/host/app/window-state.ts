// The desktop window remembers where it was. Pure logic (read, validate, keep
// on a visible screen) so it is tested without Electron; electron/main.ts does the I/O.
import { z } from 'zod';

export const windowStateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(640).max(10_000),
  height: z.number().int().min(480).max(10_000),
  maximized: z.boolean().default(false),
  zoomFactor: z.number().min(0.5).max(3).default(1),
});
export type WindowState = z.infer<typeof windowStateSchema>;

export const DEFAULT_WINDOW: WindowState = { width: 1440, height: 900, maximized: false, zoomFactor: 1 };

export interface Area { x: number; y: number; width: number; height: number }

/** The saved state if it is valid and at least partly on one of the displays; else the default size, centred by the OS. */
export function restoreWindowState(json: string | null, displays: Area[]): WindowState {
  if (json === null) return DEFAULT_WINDOW;
  let raw: unknown;
  try { raw = JSON.parse(json); } catch { return DEFAULT_WINDOW; }
  const p = windowStateSchema.safeParse(raw);
  if (!p.success) return DEFAULT_WINDOW;
  const s = p.data;
  if (s.x === undefined || s.y === undefined) return s;
  const { x, y } = s;
  const visible = displays.some((d) => x + 100 > d.x && x < d.x + d.width - 100 && y >= d.y - 10 && y < d.y + d.height - 50);
  if (visible) return s;
  const { x: _x, y: _y, ...rest } = s;
  return rest;
}
