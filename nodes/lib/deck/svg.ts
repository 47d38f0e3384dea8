// Draws a DeckLayout as a self-contained SVG: its own background and colours (light, or dark when the viewer
// prefers it), text sized to stay legible when the picture is 600 px wide, and data-* attributes that name
// each slot, module and labware so tests and flows can find them.
import type { Rect } from './definitions';
import type { DeckLayout, LabwareBox } from './layout';

const MARGIN = 14;
const NAME_FONT = 13;
const SMALL_FONT = 11;
const LINE = 1.25;
/** Characters of a labware name per line inside a 128 mm slot at NAME_FONT. */
const NAME_CHARS = 17;
/** The same for what a labware stands on, at SMALL_FONT. */
const UNDER_CHARS = 21;

const STYLE = `
.otd{--bg:#f4f5f7;--slot:#fff;--slot-line:#9aa3ad;--text:#1f2933;--muted:#52606d;--lw:#dbe8f6;--lw-line:#3d6c99;--tip:#ebe5f7;--mod:#c9ced6;--mod-line:#59636e;--well:#7b8794;--fix:#d5d9de;--label:#ffffff;--hl:#d9480f;--bad:#c92a2a;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
@media (prefers-color-scheme:dark){.otd{--bg:#1b1f24;--slot:#2b3138;--slot-line:#6b7785;--text:#f0f3f6;--muted:#b0bac5;--lw:#22405f;--lw-line:#8bb8e8;--tip:#3a3357;--mod:#454d57;--mod-line:#a0aab4;--well:#8b98a5;--fix:#3a4049;--label:#1b1f24;--hl:#ff922b;--bad:#ff8787}}
.otd-bg{fill:var(--bg)}.otd-slot{fill:var(--slot);stroke:var(--slot-line);stroke-width:1}.otd-staging{stroke-dasharray:4 3}
.otd-fix{fill:var(--fix);stroke:var(--slot-line)}.otd-hole{fill:var(--mod-line);opacity:.5}.otd-mod{fill:var(--mod);stroke:var(--mod-line);stroke-width:1.2}
.otd-lwb{fill:var(--lw);stroke:var(--lw-line);stroke-width:1.2}.otd-tip .otd-lwb{fill:var(--tip)}.otd-w{fill:none;stroke:var(--well);stroke-width:.6}
.otd-lab{fill:var(--label);opacity:.9}.otd t,.otd text{fill:var(--text)}.otd .otd-m{fill:var(--muted)}.otd .otd-bad{fill:var(--bad);font-weight:600}
.otd .otd-hl{stroke:var(--hl);stroke-width:3;fill:none}.otd .otd-hlw{stroke:var(--hl);stroke-width:2.2;fill:var(--hl);fill-opacity:.35}
`;

function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Splits text into at most `maxLines` lines of about `width` characters, ending with … when cut. */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    const w = word.length > width ? `${word.slice(0, width - 1)}…` : word;
    if (line && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1].slice(0, width - 1)}…`;
    return kept;
  }
  return lines;
}

function union(rects: Rect[]): Rect {
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.w));
  const y1 = Math.max(...rects.map((r) => r.y + r.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

export function renderSvg(layout: DeckLayout): string {
  const area = union([...layout.slots.map((s) => s.rect), ...layout.fixtures.flatMap((f) => (f.inner ? [f.rect, f.inner] : [f.rect])), ...layout.modules.map((m) => m.rect), ...layout.labware.map((l) => l.rect)]);
  const header: Array<{ text: string; cls: string; size: number }> = [];
  const robot = layout.robotType === 'OT-2 Standard' ? 'OT-2' : 'Flex';
  header.push({ text: `${robot} deck${layout.title ? ` — ${layout.title}` : ''}${layout.status ? ` (${layout.status})` : ''}`, cls: '', size: 15 });
  if (layout.problem) header.push({ text: layout.problem, cls: 'otd-bad', size: NAME_FONT });
  const footer = footerLines(layout);
  const headerH = header.reduce((h, l) => h + l.size * LINE, 0) + 6;
  const footerH = footer.reduce((h, l) => h + l.size * LINE, 0) + 6;
  const width = area.w + 2 * MARGIN;
  const height = headerH + area.h + footerH + 2 * MARGIN;
  const X = (x: number): number => x - area.x + MARGIN;
  const Y = (y: number): number => headerH + MARGIN + (area.y + area.h - y);
  const box = (r: Rect): string => `x="${n(X(r.x))}" y="${n(Y(r.y + r.h))}" width="${n(r.w)}" height="${n(r.h)}"`;

  const out: string[] = [];
  const label = `${robot} deck map${layout.title ? `: ${layout.title}` : ''}`;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="otd" viewBox="0 0 ${n(width)} ${n(height)}" width="100%" role="img" aria-label="${esc(label)}" data-robot-type="${esc(layout.robotType)}">`);
  out.push(`<title>${esc(label)}</title><style>${STYLE}</style>`);
  out.push(`<rect class="otd-bg" x="0" y="0" width="${n(width)}" height="${n(height)}" rx="8"/>`);
  let ty = 4;
  for (const h of header) {
    ty += h.size * LINE;
    out.push(`<text x="${MARGIN}" y="${n(ty - 3)}" font-size="${h.size}"${h.cls ? ` class="${h.cls}"` : ''}>${esc(h.text)}</text>`);
  }

  for (const s of layout.slots) {
    out.push(`<rect class="otd-slot${s.staging || s.area ? ' otd-staging' : ''}" data-slot="${esc(s.name)}"${s.area ? ` data-area="${esc(s.area)}"` : ''} ${box(s.rect)} rx="2"/>`);
  }
  const occupied = new Set([...layout.labware.map((l) => l.slot), ...layout.modules.map((m) => m.slot)]);
  for (const s of layout.slots) {
    if (occupied.has(s.name)) continue;
    out.push(`<text class="otd-m" x="${n(X(s.rect.x + s.rect.w / 2))}" y="${n(Y(s.rect.y + s.rect.h / 2) + 7)}" font-size="20" text-anchor="middle">${esc(s.name)}</text>`);
  }
  for (const f of layout.fixtures) {
    out.push(`<g data-fixture="${f.kind}" data-cutout="${esc(f.cutoutId)}"><rect class="otd-fix" ${box(f.rect)} rx="3"/>`);
    if (f.inner) out.push(`<rect class="otd-hole" ${box(f.inner)} rx="2"/>`);
    // Above the chute's opening when there is one, else in the middle.
    const ly = f.inner ? Y(f.rect.y + f.rect.h) + SMALL_FONT + 6 : Y(f.rect.y + f.rect.h / 2) + 4;
    out.push(`<text x="${n(X(f.rect.x + f.rect.w / 2))}" y="${n(ly)}" font-size="${SMALL_FONT}" text-anchor="middle">${esc(f.label)}</text></g>`);
  }
  for (const m of layout.modules) {
    out.push(`<rect class="otd-mod" data-module-id="${esc(m.id)}" data-slot="${esc(m.slot)}" data-model="${esc(m.model)}" ${box(m.rect)} rx="4"/>`);
  }
  const hl = layout.highlight;
  for (const l of layout.labware) out.push(labwareSvg(l, X, Y, box, hl?.labwareId === l.id ? hl.wellName : undefined, hl?.labwareId === l.id));
  for (const slot of occupied) out.push(slotLabel(layout, slot, X, Y));

  let fy = Y(area.y) + MARGIN;
  for (const f of footer) {
    fy += f.size * LINE;
    out.push(`<text x="${MARGIN}" y="${n(fy - 3)}" font-size="${f.size}"${f.cls ? ` class="${f.cls}"` : ''}>${f.svg ?? esc(f.text)}</text>`);
  }
  out.push('</svg>');
  return out.join('');
}

function labwareSvg(l: LabwareBox, X: (x: number) => number, Y: (y: number) => number, box: (r: Rect) => string, wellName: string | undefined, highlighted: boolean): string {
  const parts: string[] = [];
  parts.push(`<g class="otd-lwg${l.isTiprack ? ' otd-tip' : ''}" data-labware-id="${esc(l.id)}" data-slot="${esc(l.slot)}" data-name="${esc(l.displayName)}">`);
  parts.push(`<rect class="otd-lwb" ${box(l.rect)} rx="3"/>`);
  for (const w of l.wells) {
    const cx = X(l.rect.x + w.x);
    const cy = Y(l.rect.y + w.y);
    const fill = w.liquid ? ` style="fill:${esc(w.liquid)};fill-opacity:.85"` : '';
    const hlAttr = w.name === wellName ? ` class="otd-hlw" data-well="${esc(w.name)}"` : ` class="otd-w"`;
    if (w.r !== undefined) parts.push(`<circle${hlAttr} cx="${n(cx)}" cy="${n(cy)}" r="${n(w.name === wellName ? w.r + 1 : w.r)}"${fill}/>`);
    else if (w.w !== undefined && w.h !== undefined) parts.push(`<rect${hlAttr} x="${n(cx - w.w / 2)}" y="${n(cy - w.h / 2)}" width="${n(w.w)}" height="${n(w.h)}"${fill}/>`);
  }
  if (highlighted) parts.push(`<rect class="otd-hl" ${box(l.rect)} rx="3"/>`);
  parts.push('</g>');
  return parts.join('');
}

/** One label per occupied slot: the top labware's name, what it stands on, and the slot name. */
function slotLabel(layout: DeckLayout, slot: string, X: (x: number) => number, Y: (y: number) => number): string {
  const stack = layout.labware.filter((l) => l.slot === slot);
  const mod = layout.modules.find((m) => m.slot === slot);
  const top = stack[stack.length - 1];
  const lines: Array<{ text: string; size: number; muted: boolean }> = [];
  if (top) for (const t of wrap(top.displayName + (top.hasDefinition ? '' : ' (no definition)'), NAME_CHARS, 2)) lines.push({ text: t, size: NAME_FONT, muted: false });
  for (const under of stack.slice(0, -1).reverse()) for (const t of wrap(`on ${under.displayName}`, UNDER_CHARS, 2)) lines.push({ text: t, size: SMALL_FONT, muted: true });
  if (mod) for (const t of wrap(top ? `on ${mod.displayName}` : mod.displayName, top ? UNDER_CHARS : NAME_CHARS, 2)) lines.push({ text: t, size: top ? SMALL_FONT : NAME_FONT, muted: Boolean(top) });
  const slotBox = layout.slots.find((s) => s.name === slot);
  const slotRect = slotBox?.rect;
  // An addressable area's id can be long (absorbanceReaderV1LidDockD4): its short text goes in the corner.
  const cornerText = slotBox?.area ?? slot;
  const anchor = top?.rect ?? mod?.rect ?? slotRect;
  if (!anchor) return '';
  const corner = slotRect ?? anchor;
  const cx = X(anchor.x + anchor.w / 2);
  const textH = lines.reduce((h, l) => h + l.size * LINE, 0);
  const textW = Math.max(...lines.map((l) => l.text.length * l.size * 0.56)) + 8;
  const top0 = Y(anchor.y + anchor.h / 2) - textH / 2;
  const parts = [`<g data-label-slot="${esc(slot)}">`];
  parts.push(`<rect class="otd-lab" x="${n(cx - textW / 2)}" y="${n(top0 - 2)}" width="${n(textW)}" height="${n(textH + 4)}" rx="3"/>`);
  parts.push(`<text x="${n(cx)}" text-anchor="middle">`);
  let y = top0;
  for (const l of lines) {
    y += l.size * LINE;
    parts.push(`<tspan x="${n(cx)}" y="${n(y - l.size * 0.3)}" font-size="${l.size}"${l.muted ? ' class="otd-m"' : ''}>${esc(l.text)}</tspan>`);
  }
  parts.push('</text>');
  // The slot's name in its corner, above whatever covers the slot.
  const sx = X(corner.x) + 2;
  const sy = Y(corner.y + corner.h) + 2;
  parts.push(`<rect class="otd-lab" x="${n(sx)}" y="${n(sy)}" width="${n(cornerText.length * 7 + 6)}" height="14" rx="2"/>`);
  parts.push(`<text class="otd-m" x="${n(sx + 3)}" y="${n(sy + 11)}" font-size="${SMALL_FONT}" font-weight="600">${esc(cornerText)}</text></g>`);
  return parts.join('');
}

function footerLines(layout: DeckLayout): Array<{ text: string; cls: string; size: number; svg?: string }> {
  const lines: Array<{ text: string; cls: string; size: number; svg?: string }> = [];
  const mount = (m: string): string => layout.pipettes.find((p) => p.mount === m)?.displayName ?? '—';
  const mounts = layout.robotType === 'OT-3 Standard' && layout.pipettes.some((p) => p.mount === 'extension') ? ['left', 'right', 'extension'] : ['left', 'right'];
  lines.push({ text: `Pipettes: ${mounts.map((m) => `${m} ${mount(m)}`).join(' · ')}`, cls: '', size: NAME_FONT });
  if (layout.liquids.length > 0) {
    const parts = layout.liquids.map((l) => `<tspan style="fill:${esc(l.color)}">●</tspan> ${esc(l.displayName)}`);
    lines.push({ text: '', cls: '', size: NAME_FONT, svg: `Liquids: ${parts.join('  ')}` });
  }
  const hl = layout.highlight;
  if (hl) {
    const lw = hl.labwareId ? layout.labware.find((l) => l.id === hl.labwareId) : undefined;
    const where = lw ? ` — ${lw.displayName}${hl.wellName ? ` well ${hl.wellName}` : ''} (slot ${lw.slot})` : '';
    lines.push({ text: `Now: ${hl.index !== undefined ? `step ${hl.index + 1}, ` : ''}${hl.commandType}${where}`, cls: '', size: NAME_FONT });
  }
  if (layout.offDeck.length > 0) {
    lines.push({ text: `Off deck: ${layout.offDeck.map((o) => (o.note ? `${o.displayName} (${o.note})` : o.displayName)).join(', ')}`, cls: 'otd-m', size: SMALL_FONT });
  }
  return lines;
}
