import { css } from 'lit';

/** Styles every page shares: readable on a phone, visible keyboard focus. */
export const sharedStyles = css`
  :host { display: block; }
  h2 { font-size: 1.3rem; margin: 0.2rem 0 0.8rem; }
  h3 { font-size: 1.05rem; margin: 1.2rem 0 0.5rem; }
  section.card { background: var(--card, #fff); border: 1px solid var(--line, #d8dde6); border-radius: 10px; padding: 0.9rem 1rem; margin: 0 0 1rem; }
  .row { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
  .muted { color: var(--muted, #5b6475); font-size: 0.9rem; }
  .error { color: var(--bad, #b3261e); background: color-mix(in srgb, var(--bad, #b3261e) 10%, transparent); padding: 0.5rem 0.7rem; border-radius: 6px; white-space: pre-wrap; }
  .ok { color: var(--good, #1b7f3b); }
  .warning { color: var(--warn, #8a5a00); background: color-mix(in srgb, var(--warn, #8a5a00) 10%, transparent); padding: 0.5rem 0.7rem; border-radius: 6px; }
  a { color: var(--accent, #2f5bd3); }
  section.card > h3:first-child { margin-top: 0; }
  label.button { display: inline-flex; flex-direction: row; align-items: center; box-sizing: border-box; font-size: 1rem; }
  button, .button { font: inherit; padding: 0.45rem 0.9rem; border-radius: 8px; border: 1px solid var(--accent, #2f5bd3); background: var(--accent, #2f5bd3); color: #fff; cursor: pointer; min-height: 2.4rem; }
  button.secondary, .button.secondary { background: transparent; color: var(--accent, #2f5bd3); }
  button.danger { background: transparent; color: var(--bad, #b3261e); border-color: var(--bad, #b3261e); }
  button:disabled { opacity: 0.5; cursor: not-allowed; }
  button:focus-visible, input:focus-visible, select:focus-visible, a:focus-visible, label.button:focus-within { outline: 3px solid var(--focus, #f5a524); outline-offset: 2px; }
  input, select { font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; border: 1px solid var(--line, #b9c0cc); background: var(--field, #fff); color: inherit; min-height: 2.2rem; max-width: 100%; box-sizing: border-box; }
  label { display: inline-flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; }
  label.inline { flex-direction: row; align-items: center; gap: 0.4rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line, #e3e6ec); }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .table-wrap { overflow-x: auto; }
  /* Tables of items with action buttons (class "stack"): on a phone each row becomes a
     block with its cells one under the other (labelled from data-label) and its buttons
     wrapping, instead of a row wider than the screen scrolled sideways. */
  @media (max-width: 40rem) {
    table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    table.stack, table.stack tbody, table.stack tr { display: block; }
    table.stack td { display: flex; flex-wrap: wrap; align-items: center; }
    table.stack tr { padding: 0.5rem 0; border-bottom: 1px solid var(--line, #e3e6ec); }
    table.stack td { border: 0; padding: 0.15rem 0; text-align: left; }
    table.stack td[data-label]::before { content: attr(data-label) ' '; color: var(--muted, #5b6475); font-size: 0.85rem; margin-right: 0.3rem; }
    table.stack td.actions { padding-top: 0.4rem; }
  }
  progress { width: 100%; height: 1rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr)); gap: 0.6rem 1rem; }
  .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  pre.log { contain: content; max-height: 14rem; overflow: auto; background: var(--code, #f3f5f8); padding: 0.5rem; border-radius: 6px; font-size: 0.8rem; }
`;
