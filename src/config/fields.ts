import { z } from 'zod';

/**
 * The building blocks of the environment schema (src/config/schema.ts and its
 * parts): the documentation registry the README's table is generated from, and
 * the few parsers the variables share.
 */

export interface EnvDoc {
  /** The README's "Meaning" column (Markdown). */
  description: string;
  /** The "Default" column when the parsed default says too little (a development fallback applied later). */
  shownDefault?: string;
}

export const envDocs = z.registry<EnvDoc>();

export const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );

export const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

// A function, not a shared schema: each variable registers its own documentation on its instance.
export const optionalString = () =>
  z
    .string()
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : undefined));
