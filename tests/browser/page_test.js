// page_test.js — wick.page in a real browser: Debian's chromium, headless, driven by
// npm playwright-core (no browser of its own is downloaded). Run by tests/browser/run.sh:
//
//   node page_test.js PAGES_DIR OUT_DIR
//
// PAGES_DIR holds what make_pages.lua wrote: small/ (12 known points, images, sounds;
// expected.json says what each point is) and big/ (70,000 random points). The page is
// opened from file:// with every non-file request blocked and counted. On the small page
// it hovers known points and checks the label, text, image pixels and the sound clip the
// page asked to play, pins by clicking, searches a label, and saves a screenshot; on the
// big page it measures the time to draw a frame while panning and zooming (scripted and
// through real mouse input) and the hover latency, and saves two more screenshots.
// Ends with "browser: N passed, M failed".
"use strict";
const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [pagesDir, outDir] = process.argv.slice(2);
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) passed++;
  else { failed++; console.log(`FAIL ${name}${detail !== undefined ? ": " + detail : ""}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (list, p) => {
  if (list.length === 0) return NaN;
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const mean = (list) => list.reduce((a, b) => a + b, 0) / Math.max(1, list.length);
const ms = (v) => v.toFixed(1) + " ms";

async function open(context, dir) {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto("file://" + path.resolve(dir, "index.html"));
  await page.waitForFunction(() => window.wickPage !== undefined, null, { timeout: 20000 });
  // every sprite sheet loaded
  await page.waitForFunction(() => window.wickPage.ready(), null, { timeout: 30000 });
  return { page, errors };
}

async function screenXY(page, i) { return page.evaluate((k) => window.wickPage.toScreen(k), i); }

// ---- the small page: what hovering, clicking and searching show ------------------------
async function smallPage(context) {
  const expect = JSON.parse(fs.readFileSync(path.join(pagesDir, "expected.json"), "utf8"));
  const dir = path.join(pagesDir, "small");
  const { page, errors } = await open(context, dir);
  check("small page: title", (await page.title()) === "wick.page browser test", await page.title());
  check("small page: point count", (await page.evaluate(() => window.wickPage.n)) === expect.n);

  // The layout: a 4 × 3 grid, x to the right and y down, as wick.plot draws.
  const p1 = await screenXY(page, 0), p2 = await screenXY(page, 1), p5 = await screenXY(page, 4);
  check("layout: x grows to the right", p2[0] > p1[0] + 20 && Math.abs(p2[1] - p1[1]) < 1, JSON.stringify([p1, p2]));
  check("layout: y grows down", p5[1] > p1[1] + 20 && Math.abs(p5[0] - p1[0]) < 1, JSON.stringify([p1, p5]));

  const sources = {};
  for (const [k, v] of Object.entries(expect.sources)) sources[k] = fs.readFileSync(v);
  for (const k of [7, 2, 5]) {   // 1-based: a low sound, a high sound, no sound (point 5)
    const want = expect.points[k - 1];
    const [x, y] = await screenXY(page, k - 1);
    const before = await page.evaluate(() => window.__played.length);
    await page.mouse.move(x + 1, y - 1);
    const hovered = await page.waitForFunction((i) => window.wickPage.hovered() === i, k - 1, { timeout: 3000 })
      .then(() => true, () => false);
    check(`hover point ${k}: found`, hovered, await page.evaluate(() => window.wickPage.hovered()));
    check(`hover point ${k}: panel shown`, await page.isVisible("#hover"));
    check(`hover point ${k}: label`, (await page.textContent("#hover-label")).trim() === want.label,
      await page.textContent("#hover-label"));
    check(`hover point ${k}: text`, (await page.textContent("#hover-text")) === want.text,
      await page.textContent("#hover-text"));
    // The enlarged image: its middle pixel is the point's colour (8-bit PNG: within 1/255).
    const px = await page.evaluate(() => {
      const c = document.getElementById("hover-image");
      return [c.width, c.height, ...c.getContext("2d").getImageData(c.width >> 1, c.height >> 1, 1, 1).data];
    }).catch((e) => String(e));
    const rgb = want.rgb.map((v) => Math.round(v * 255));
    check(`hover point ${k}: image colour`, Array.isArray(px) && px[0] >= 100 &&
      [0, 1, 2].every((c) => Math.abs(px[2 + c] - rgb[c]) <= 2), `${JSON.stringify(px)} vs ${JSON.stringify(rgb)}`);
    const played = await page.evaluate(() => window.__played.slice());
    if (want.sound) {
      const src = played[played.length - 1] || "";
      const clip = await page.evaluate((i) => window.wickPage.clip(i), k - 1);
      check(`hover point ${k}: a sound was asked to play`, played.length === before + 1, JSON.stringify(played));
      check(`hover point ${k}: the page's clip`, clip !== null && src.endsWith("/" + clip), `${src} vs ${clip}`);
      const bytes = clip && fs.existsSync(path.join(dir, clip)) ? fs.readFileSync(path.join(dir, clip)) : null;
      check(`hover point ${k}: the clip is its sound (${want.sound})`, bytes !== null && bytes.equals(sources[want.sound]));
      // and chromium decodes it: 0.2 s of audio, no media error
      const media = await page.waitForFunction(() => {
        const a = window.wickPage.audio;
        return a.error ? { error: a.error.code } : a.readyState >= 1 ? { duration: a.duration } : null;
      }, null, { timeout: 5000 }).then((h) => h.jsonValue(), (e) => ({ error: String(e) }));
      check(`hover point ${k}: the browser decodes the clip`, media.duration > 0.19 && media.duration < 0.21,
        JSON.stringify(media));
    } else {
      check(`hover point ${k}: no sound asked for`, played.length === before, JSON.stringify(played));
    }
  }
  // Two points sharing one sound file share one clip.
  const clips = await page.evaluate(() => [0, 2, 6].map((i) => window.wickPage.clip(i)));
  check("clips: one per distinct sound", clips[0] === clips[1] && clips[1] === clips[2], JSON.stringify(clips));

  // Click pins: the point joins the pinned list and gets a card.
  const [cx, cy] = await screenXY(page, 6);
  await page.mouse.click(cx, cy);
  check("click pins point 7", JSON.stringify(await page.evaluate(() => window.wickPage.pinned.slice())) === "[6]");
  const card = await page.$('#pins .card[data-point="6"]');
  check("pinned card shown with its label", card !== null && (await card.textContent()).includes(expect.points[6].label));
  // Searching a label keeps its points and dims the rest (which no longer answer hover).
  await page.fill("#search", "squ");
  const want = expect.points.filter((p) => p.label === "square").length;
  check("search 'squ': matching points", (await page.evaluate(() => window.wickPage.active())) === want,
    await page.evaluate(() => window.wickPage.active()));
  check("search: count line", (await page.textContent("#count")).startsWith(`${want} of 12`), await page.textContent("#count"));
  const [ox, oy] = await screenXY(page, 0);   // a circle
  await page.mouse.move(ox, oy);
  await sleep(100);
  check("search: a dimmed point does not answer hover", (await page.evaluate(() => window.wickPage.hovered())) === -1);
  const [sx, sy] = await screenXY(page, 1);   // a square
  await page.mouse.move(sx, sy);
  await page.waitForFunction(() => window.wickPage.hovered() === 1, null, { timeout: 3000 }).catch(() => {});
  check("search: a matching point answers hover", (await page.evaluate(() => window.wickPage.hovered())) === 1);
  // The legend toggles a label off.
  await page.fill("#search", "");
  await page.click('#legend .item[data-label="triangle"]');
  check("legend click hides a label", (await page.evaluate(() => window.wickPage.active())) === 8);
  await page.click('#legend .item[data-label="triangle"]');
  await page.fill("#search", "squ");
  await page.mouse.move(sx, sy + 1);
  await sleep(100);
  await page.screenshot({ path: path.join(outDir, "page-small.png") });
  check("small page: no script errors", errors.length === 0, errors.join(" | "));
  await page.close();
}

// ---- the big page: frame time and hover latency with 70,000 points ---------------------
async function bigPage(context) {
  const t0 = Date.now();
  const { page, errors } = await open(context, path.join(pagesDir, "big"));
  const loaded = Date.now() - t0;   // data.js parsed, grid built, every sprite sheet decoded
  const n = await page.evaluate(() => window.wickPage.n);
  check("big page: 70,000 points", n === 70000, n);
  // Scripted: 120 frames, each panning and zooming a little, each drawn by the page's own
  // draw(); frame = the interval between animation frames, draw = the page's work.
  const scripted = await page.evaluate(async () => {
    const w = window.wickPage, draws = [], frames = [];
    let last = performance.now();
    for (let f = 0; f < 120; f++) {
      w.view.cx += 0.02 * Math.sin(f / 10); w.view.cy += 0.02 * Math.cos(f / 10);
      w.view.scale *= f < 60 ? 1.01 : 1 / 1.01;
      const t0 = performance.now();
      w.draw();
      draws.push(performance.now() - t0);
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return { draws, frames };
  });
  // Real input: a drag across the map and wheel zooms, through the browser's own events.
  await page.evaluate(() => { window.wickPage.stats.draws.length = 0; });
  await page.mouse.move(700, 400);
  await page.mouse.down();
  for (let s = 1; s <= 40; s++) await page.mouse.move(700 + s * 6, 400 + s * 3);
  await page.mouse.up();
  for (let s = 0; s < 20; s++) { await page.mouse.wheel(0, s < 10 ? -120 : 120); await sleep(16); }
  await sleep(100);
  const input = await page.evaluate(() => window.wickPage.stats.draws.slice());
  // Hover latency: pointer moved onto 60 points; in the page, from the input event to the
  // panel filled in; from the test, from the move sent to the page's answer read back.
  await page.evaluate(() => { window.wickPage.fit(); window.wickPage.stats.hovers.length = 0; });
  await sleep(100);
  const picks = await page.evaluate(() => {
    const out = [];
    for (let k = 0; k < 4000 && out.length < 60; k++) {
      const i = Math.floor(Math.random() * window.wickPage.n), [x, y] = window.wickPage.toScreen(i);
      if (x > 300 && x < 1150 && y > 50 && y < 750) out.push([i, x, y]);
    }
    return out;
  });
  const roundTrips = [];
  let answered = 0;
  for (const [, x, y] of picks) {
    const t0 = Date.now();
    await page.mouse.move(x, y);
    const h = await page.evaluate(() => window.wickPage.hovered());
    roundTrips.push(Date.now() - t0);
    if (h >= 0) answered++;
  }
  const hovers = await page.evaluate(() => window.wickPage.stats.hovers.slice());
  check("big page: hover finds a point under the pointer", answered >= picks.length * 0.9, `${answered}/${picks.length}`);
  await page.screenshot({ path: path.join(outDir, "page-70k.png") });
  // Zoomed in until thumbnails replace the dots.
  const zoomed = await page.evaluate(() => {   // onto point 1, in the middle of its cluster
    const w = window.wickPage;
    w.centre(0, 30);
    w.draw();
    return w.thumbs();
  });
  check("big page: zoomed in, thumbnails replace the dots", zoomed > 20 && zoomed <= 1000, zoomed);
  const thumbDraws = await page.evaluate(() => {
    const w = window.wickPage, t = [];
    for (let f = 0; f < 30; f++) { w.view.cx += 0.002; const t0 = performance.now(); w.draw(); t.push(performance.now() - t0); }
    return t;
  });
  const [zx, zy] = await screenXY(page, 0);
  await page.mouse.move(zx + 12, zy + 12);   // on point 1's thumbnail, off its centre
  await sleep(150);
  check("big page: a thumbnail answers hover", (await page.evaluate(() => window.wickPage.hovered())) >= 0);
  await page.screenshot({ path: path.join(outDir, "page-70k-zoomed.png") });
  check("big page: no script errors", errors.length === 0, errors.join(" | "));

  console.log(`page timing, 70,000 points, 1200x800 viewport, headless chromium (software raster):`);
  console.log(`  opened from disk and ready (14 sprite sheets decoded) in ${loaded} ms`);
  console.log(`  scripted pan+zoom, 120 frames: draw ${ms(mean(scripted.draws))} mean, ${ms(pct(scripted.draws, 0.95))} p95;` +
    ` frame interval ${ms(mean(scripted.frames))} mean, ${ms(pct(scripted.frames, 0.95))} p95` +
    ` (${(1000 / mean(scripted.frames)).toFixed(0)} fps)`);
  console.log(`  mouse drag + wheel, ${input.length} frames: draw ${ms(mean(input))} mean, ${ms(pct(input, 0.95))} p95,` +
    ` ${ms(Math.max(...input))} max`);
  console.log(`  zoomed in (${zoomed} thumbnails), 30 frames: draw ${ms(mean(thumbDraws))} mean, ${ms(pct(thumbDraws, 0.95))} p95`);
  console.log(`  hover latency, ${hovers.length} moves: input event to panel ${ms(pct(hovers, 0.5))} median,` +
    ` ${ms(pct(hovers, 0.95))} p95; test round trip ${ms(pct(roundTrips, 0.5))} median`);
  // Loose bounds: they catch a page that went slow (a frame of 100 ms is not smooth on any
  // machine), not a busy test machine.
  check("big page: drawing a frame takes < 100 ms (mean)", mean(scripted.draws) < 100, mean(scripted.draws));
  check("big page: hover answers in < 50 ms (median)", pct(hovers, 0.5) < 50, pct(hovers, 0.5));
  await page.close();
}

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  let browser;
  try {
    browser = await chromium.launch({
      executablePath, headless: true,
      // file access lets the test read back the hover canvas (the page itself never reads
      // pixels); autoplay lets a hover start a sound without a click first
      args: ["--allow-file-access-from-files", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
    });
  } catch (e) {
    console.log(`FAIL chromium (${executablePath}) did not start: ${String(e).split("\n")[0]}`);
    console.log("browser: 0 passed, 1 failed");
    process.exit(1);
  }
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
  const outside = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  // Record each request to play a sound, then let it go on as it would.
  await context.addInitScript(() => {
    window.__played = [];
    const play = HTMLMediaElement.prototype.play;
    HTMLMediaElement.prototype.play = function () { window.__played.push(this.src); return play.call(this); };
  });
  try {
    await smallPage(context);
    await bigPage(context);
  } catch (e) {
    check("the browser test ran to the end", false, e && e.stack ? e.stack.split("\n").slice(0, 4).join(" | ") : e);
  }
  check("no request left the disk", outside.length === 0, outside.join(", "));
  await browser.close();
  console.log(`screenshots: ${path.join(outDir, "page-small.png")}, page-70k.png, page-70k-zoomed.png`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})();
