// Dark theme for the contrast check. Node-RED 5 has one built in: the editor's "dark" appearance puts the
// class nr-theme-dark on <html>, which redefines the --red-ui-* CSS variables; the test does the same.
// Node-RED 4.1 ships none (themes are third-party plugins), but its whole stylesheet reads --red-ui-*
// CSS variables, which is what those themes override; there a stand-in does the same: every background
// variable dark, every text variable light, so a test can see whether our dialogs follow the theme or
// hard-code light-theme colours.
import type { Page } from 'playwright-core';

/** Which dark theme applyDarkTheme used: the editor's own (Node-RED 5) or the CSS-variable stand-in (4.1). */
export type DarkTheme = 'built-in' | 'stand-in';

export async function applyDarkTheme(page: Page): Promise<DarkTheme> {
  return page.evaluate((): DarkTheme => {
    const builtIn = Array.from(document.styleSheets).some((sheet) => {
      try {
        return Array.from(sheet.cssRules).some((r) => r instanceof CSSStyleRule && r.selectorText === 'html.nr-theme-dark');
      } catch {
        return false;
      }
    });
    if (builtIn) {
      document.documentElement.classList.add('nr-theme-dark');
      return 'built-in';
    }
    const names = new Set<string>();
    for (const sheet of Array.from(document.styleSheets)) {
      let rules: CSSRuleList;
      try {
        rules = sheet.cssRules;
      } catch {
        continue;
      }
      for (const rule of Array.from(rules)) {
        if (rule instanceof CSSStyleRule && rule.selectorText === ':root') {
          for (const prop of Array.from(rule.style)) if (prop.startsWith('--red-ui-')) names.add(prop);
        }
      }
    }
    const css: string[] = [];
    for (const n of names) {
      if (/background|-bg\b/.test(n)) css.push(`${n}: #262626;`);
      else if (/text-color|-color$/.test(n) && !/border/.test(n)) css.push(`${n}: #dddddd;`);
      else if (/border/.test(n)) css.push(`${n}: #555555;`);
    }
    const style = document.createElement('style');
    style.id = 'test-dark-theme';
    style.textContent = `:root { ${css.join(' ')} color-scheme: dark; }`;
    document.head.appendChild(style);
    return 'stand-in';
  });
}

export async function removeDarkTheme(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.getElementById('test-dark-theme')?.remove();
    document.documentElement.classList.remove('nr-theme-dark');
  });
}

/**
 * Visible text under `selector` whose colour is too close to the background behind it
 * (WCAG contrast ratio below `minRatio`), as "text: ratio (fg on bg)".
 */
export function lowContrastText(page: Page, selector: string, minRatio = 3): Promise<string[]> {
  return page.evaluate(
    ([sel, min]) => {
      const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
      const lum = (rgb: number[]): number => {
        const [r, g, b] = rgb.slice(0, 3).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const background = (el: Element | null): string => {
        for (let e = el; e; e = e.parentElement) {
          const bg = getComputedStyle(e).backgroundColor;
          const parts = parse(bg);
          if (parts.length === 3 || (parts.length === 4 && parts[3] > 0.5)) return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      const out: string[] = [];
      const root = document.querySelector(sel);
      if (!root) return [`nothing matches ${sel}`];
      for (const el of Array.from(root.querySelectorAll('*'))) {
        const own = Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
        const isInput = el instanceof HTMLInputElement && el.type === 'text' && el.value !== '';
        if (!own && !isInput) continue;
        const rect = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (rect.width === 0 || rect.height === 0 || style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
        const fg = style.color;
        const bg = background(el);
        const [l1, l2] = [lum(parse(fg)), lum(parse(bg))].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        if (ratio < min) {
          const text = (isInput ? (el as HTMLInputElement).value : (el.textContent ?? '')).trim().slice(0, 50);
          out.push(`"${text}": ${ratio.toFixed(2)} (${fg} on ${bg})`);
        }
      }
      return out;
    },
    [selector, minRatio] as const,
  );
}
