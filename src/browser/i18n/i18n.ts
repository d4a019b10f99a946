// UI language (Korean first, English) with a tiny message table. Components use
// `t(key, params)` and re-render on 'saturi-lang' (see I18nController).
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { MESSAGES, type MessageKey } from './messages.ts';

export type Lang = 'ko' | 'en';
export const LANGS: readonly Lang[] = ['ko', 'en'];

let current: Lang = initialLang();

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem('saturi-lang');
    if (saved === 'ko' || saved === 'en') return saved;
  } catch {
    /* storage blocked: fall through */
  }
  const nav = globalThis.navigator?.language ?? 'ko';
  return nav.toLowerCase().startsWith('en') ? 'en' : 'ko';
}

export function getLang(): Lang {
  return current;
}

export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  try {
    localStorage.setItem('saturi-lang', lang);
  } catch {
    /* ignore */
  }
  document.documentElement.lang = lang;
  window.dispatchEvent(new CustomEvent('saturi-lang', { detail: lang }));
}

/** The message for `key` in the current language, `{name}` placeholders filled from params. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const entry = MESSAGES[key];
  let s: string = entry[current] ?? entry.en;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** Re-renders its host when the language changes. */
export class I18nController implements ReactiveController {
  private readonly onChange = () => this.host.requestUpdate();
  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }
  hostConnected(): void {
    window.addEventListener('saturi-lang', this.onChange);
  }
  hostDisconnected(): void {
    window.removeEventListener('saturi-lang', this.onChange);
  }
}

/** Numbers and sizes for display. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`;
}

/**
 * A time within a recording: whole seconds as formatDuration gives them, hundredths when it falls
 * between (the last 20 s window of a 20.01 s recording starts at 0:00.01, not a second "0:00").
 */
export function formatClock(seconds: number): string {
  const whole = Math.round(seconds);
  if (!Number.isFinite(seconds) || Math.abs(seconds - whole) < 0.005) return formatDuration(seconds);
  const base = Math.floor(seconds);
  return `${formatDuration(base)}.${String(Math.round((seconds - base) * 100)).padStart(2, '0')}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}
