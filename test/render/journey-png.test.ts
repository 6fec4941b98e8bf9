import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLORS, layoutJourney } from '../../src/render/journey-layout.js';
import { renderJourneyPng } from '../../src/render/journey-svg.js';
import { acmeMap, syntheticMap } from '../fixtures/journey/maps.js';
import { decodePng, inkShare, pixel } from '../helpers/png.js';

const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));

describe('journey map PNG', () => {
  it('is 1600 px wide, as tall as the layout, with text and the emotion curve drawn where the layout says', async () => {
    const map = acmeMap();
    const layout = layoutJourney(map);
    const picture = await renderJourneyPng(map);
    // `npm run render:sample` refreshes the journey-map docs' sample from this very fixture.
    if (process.env.LUNA_WRITE_SAMPLE === '1')
      writeFileSync(new URL('../../docs/journey-map-sample.png', import.meta.url), picture.png);

    const img = decodePng(picture.png);
    expect([img.width, img.height]).toEqual([1600, layout.height]);
    expect([picture.width, picture.height]).toEqual([img.width, img.height]);
    const share = inkShare(img);
    expect(share).toBeGreaterThan(0.15); // coloured cells and text, not a blank page
    expect(share).toBeLessThan(0.9);
    const title = layout.boxes.find((b) => b.kind === 'title')!;
    expect(inkShare(img, { x: title.x, y: title.y, w: 600, h: title.h })).toBeGreaterThan(0.02); // the title was drawn in the font
    for (const p of layout.points) {
      // Left of the score digit, inside the dot: the dot's colour for that score.
      const [r, g, b] = pixel(img, p.x - 12, p.y);
      const [er, eg, eb] = hex(COLORS.emotion[p.score - 1]!);
      expect(Math.abs(r - er!) + Math.abs(g - eg!) + Math.abs(b - eb!)).toBeLessThan(30);
    }
  });

  it('renders eight long-winded stages too, without growing sideways', async () => {
    const picture = await renderJourneyPng(syntheticMap(8, true));
    const img = decodePng(picture.png);
    expect(img.width).toBe(1600);
    expect(img.height).toBeGreaterThan(1200);
    expect(inkShare(img)).toBeGreaterThan(0.15);
  });
});
