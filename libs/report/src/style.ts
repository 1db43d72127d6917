/** The report's stylesheet (inline; local fonts only). */
export const STYLE = `
:root { color-scheme: light; --ok: #00704f; --bad: #b34700; --muted: #666; --line: #ddd; --hi: #fff4c2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1400px; padding: 16px 24px 48px; font: 14px/1.45 'DejaVu Sans', system-ui, sans-serif; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); } h3 { font-size: 15px; margin: 18px 0 4px; }
code, pre { font-family: 'DejaVu Sans Mono', ui-monospace, monospace; font-size: 12px; }
pre { white-space: pre-wrap; word-break: break-all; background: #f6f6f6; padding: 6px; margin: 4px 0; max-width: 60ch; }
.muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0; } .summary div { display: flex; gap: 6px; } .summary dt { color: var(--muted); } .summary dd { margin: 0; }
.notes { border: 2px solid #c98a00; background: #fff4c2; padding: 4px 16px; margin: 16px 0; border-radius: 4px; }
.notes h2 { border: 0; margin: 8px 0 4px; font-size: 16px; } .notes li { font-weight: bold; margin: 4px 0; }
.warn { border: 1px solid #c98a00; background: #fff4c2; padding: 6px 10px; }
.scroll { overflow-x: auto; } .scroll.tall { max-height: 80vh; overflow-y: auto; }
table { border-collapse: collapse; margin: 6px 0; } caption { text-align: left; color: var(--muted); font-size: 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f3f3; position: sticky; top: 0; z-index: 1; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.headline tbody th { font-weight: normal; white-space: nowrap; }
tr.best-model, tr.best-strategy { background: var(--hi); } tr.best-model th, tr.best-strategy th { font-weight: bold; }
tr.kind-oracle { font-style: italic; color: #444; }
.badge { display: inline-block; font-size: 11px; font-weight: bold; padding: 0 6px; border-radius: 8px; background: #c98a00; color: #fff; font-style: normal; }
table.small { font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } figure.chart { margin: 0; max-width: 100%; } figure.chart .svg { overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; } figcaption { font-size: 12px; color: var(--muted); max-width: 70ch; }
.controls { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 8px 0; }
table.tasks { font-size: 12px; } table.tasks td { max-width: 36ch; }
th button.sort { font: inherit; font-weight: bold; border: 0; background: none; padding: 0; cursor: pointer; text-align: inherit; }
th[aria-sort=ascending] button.sort::after { content: ' ▲'; } th[aria-sort=descending] button.sort::after { content: ' ▼'; }
code.snip { white-space: pre; background: #f6f6f6; }
summary { cursor: pointer; } table.tasks summary { white-space: nowrap; } .ok { color: var(--ok); font-weight: bold; } .bad { color: var(--bad); font-weight: bold; }
td.pick-ok { background: #e6f4ee; } td.pick-bad { background: #fbeee6; } .verdict { margin-right: 8px; white-space: nowrap; }
`;
