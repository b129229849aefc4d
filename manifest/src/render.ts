import { readFile } from 'node:fs/promises';
import { Resvg } from '@resvg/resvg-js';

/**
 * Renders an SVG to a square PNG of `size` pixels. Every PNG in a package comes from an SVG in
 * this folder, so the artwork has one source and cannot drift between sizes.
 */
export async function renderPng(svgFile: string, size: number): Promise<Buffer> {
  const svg = await readFile(svgFile);
  // No fonts: the artwork has no text, so rendering does not depend on what this machine has installed.
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: size }, font: { loadSystemFonts: false } }).render();
  if (png.width !== size || png.height !== size) throw new Error(`${svgFile} is not square: it rendered to ${png.width}×${png.height}.`);
  return png.asPng();
}
