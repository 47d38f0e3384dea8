// A small, strict XML reader for the deck map's SVG: it fails on anything not well-formed (unclosed or
// mismatched tags, bad attributes, stray '<' or '&'), so tests check structure, not pixels.
export interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  /** Text directly inside this element (entities decoded). */
  text: string;
  parent?: El;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string, where: number): string {
  return s.replace(/&([^;]*);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error(`bare & at ${where}`);
    if (name in ENTITIES) return ENTITIES[name];
    if (/^#\d+$/.test(name)) return String.fromCodePoint(Number(name.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(name)) return String.fromCodePoint(parseInt(name.slice(2), 16));
    throw new Error(`unknown entity ${m} at ${where}`);
  });
}

export function parseXml(xml: string): El {
  const root: El = { name: '#root', attrs: {}, children: [], text: '' };
  let cur = root;
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > i) {
      const text = xml.slice(i, textEnd);
      if (text.includes('>')) throw new Error(`stray > at ${i}`);
      cur.text += decode(text, i);
    }
    if (lt === -1) break;
    const gt = xml.indexOf('>', lt);
    if (gt === -1) throw new Error(`unclosed tag at ${lt}`);
    const tag = xml.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (name !== cur.name) throw new Error(`</${name}> closes <${cur.name}> at ${lt}`);
      cur = cur.parent as El;
    } else {
      const selfClosing = tag.endsWith('/');
      const body = selfClosing ? tag.slice(0, -1) : tag;
      const m = /^([A-Za-z][\w:-]*)([\s\S]*)$/.exec(body);
      if (!m) throw new Error(`bad tag <${tag}> at ${lt}`);
      const attrs: Record<string, string> = {};
      const rest = m[2].replace(/\s+([\w:-]+)="([^"<]*)"/g, (_all, k: string, v: string) => {
        if (k in attrs) throw new Error(`duplicate attribute ${k} in <${m[1]}> at ${lt}`);
        attrs[k] = decode(v, lt);
        return '';
      });
      if (rest.trim() !== '') throw new Error(`bad attributes "${rest.trim()}" in <${m[1]}> at ${lt}`);
      const el: El = { name: m[1], attrs, children: [], text: '', parent: cur };
      cur.children.push(el);
      if (!selfClosing) cur = el;
    }
    i = gt + 1;
  }
  if (cur !== root) throw new Error(`<${cur.name}> is never closed`);
  if (root.children.length !== 1) throw new Error(`expected one root element, got ${root.children.length}`);
  return root.children[0];
}

export function all(el: El, pred: (e: El) => boolean): El[] {
  const out: El[] = [];
  const walk = (e: El): void => {
    if (pred(e)) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

/** All text inside an element, its descendants' included; separate elements (lines) joined by a space. */
export function textOf(el: El): string {
  return [el.text, ...el.children.map(textOf)].join(' ').replace(/\s+/g, ' ').trim();
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function boxOf(el: El): Box {
  const v = (k: string): number => {
    const n = Number(el.attrs[k]);
    if (!Number.isFinite(n)) throw new Error(`<${el.name}> has no numeric ${k}`);
    return n;
  };
  return { x: v('x'), y: v('y'), w: v('width'), h: v('height') };
}

/** True when `inner` lies within `outer`, allowing `slack` (SVG coordinates are rounded to 0.1). */
export function inside(inner: Box, outer: Box, slack = 0.2): boolean {
  return inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.w <= outer.x + outer.w + slack && inner.y + inner.h <= outer.y + outer.h + slack;
}
