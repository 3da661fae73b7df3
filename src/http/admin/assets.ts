import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../errors.ts';

export const ASSETS_PATH = '/admin/assets';

interface Asset {
  body: Buffer;
  type: string;
}

const require = createRequire(import.meta.url);

/** A file from an installed package, named with a hash of its bytes: its URL changes when it does, so it can be cached for good. */
function packageAsset(specifier: string, type: string): { name: string; asset: Asset } {
  const body = readFileSync(require.resolve(specifier));
  const base = specifier.slice(specifier.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { name: `${base.slice(0, dot)}.${hash}${base.slice(dot)}`, asset: { body, type } };
}

let loaded: { uplotJs: string; uplotCss: string; files: Map<string, Asset> } | undefined;

/** Read once per process, on first use: nothing is fetched from a CDN, and nothing is read per request. */
function assets() {
  if (loaded) return loaded;
  const js = packageAsset('uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8');
  const css = packageAsset('uplot/dist/uPlot.min.css', 'text/css; charset=utf-8');
  loaded = {
    uplotJs: `${ASSETS_PATH}/${js.name}`,
    uplotCss: `${ASSETS_PATH}/${css.name}`,
    files: new Map([
      [js.name, js.asset],
      [css.name, css.asset],
    ]),
  };
  return loaded;
}

/** Where the page finds uPlot (MIT), served by the app itself. */
export const uplotUrls = () => ({ js: assets().uplotJs, css: assets().uplotCss });

/**
 * Static files the admin pages load, behind the same sign-in as the pages.
 * Under the admin CSP, a script runs only with the page's nonce and a
 * stylesheet only from this origin.
 */
export function registerAdminAssets(app: FastifyInstance) {
  const { files } = assets();
  app.get<{ Params: { file: string } }>(`${ASSETS_PATH}/:file`, async (req, reply) => {
    const asset = files.get(req.params.file);
    if (!asset) throw notFound('asset');
    return reply.header('Cache-Control', 'private, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });
}
