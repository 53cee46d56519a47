"""The inline stylesheet of the HTML report: readable on screen and on paper, CJK fonts first."""

from __future__ import annotations

from complaint_radar.reports.svg import FONT_STACK

STYLESHEET = f"""
:root {{ --ink: #263238; --muted: #607d8b; --line: #dde3e7; --accent: #1f4e79; --bad: #c0392b; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; font-family: {FONT_STACK}; color: var(--ink); background: #f5f7f8; line-height: 1.5;
  font-size: 14px; }}
main {{ max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }}
header.report {{ border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }}
h1 {{ margin: 0 0 8px; font-size: 26px; color: var(--accent); }}
h2 {{ margin: 36px 0 12px; font-size: 20px; color: var(--accent); border-bottom: 1px solid var(--line);
  padding-bottom: 4px; }}
h3 {{ margin: 20px 0 8px; font-size: 15px; }}
.en {{ color: var(--muted); font-weight: normal; font-size: 0.85em; }}
dl.period {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }}
dl.period dt {{ color: var(--muted); }}
dl.period dd {{ margin: 0; }}
.chip {{ display: inline-block; background: #eef3f7; border-radius: 10px; padding: 0 8px; margin: 1px 2px; }}
nav.toc {{ margin: 12px 0 4px; font-size: 13px; }}
nav.toc a {{ color: var(--accent); margin-right: 14px; text-decoration: none; }}
.kpis {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px;
  margin: 16px 0; }}
.kpi {{ border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #fafcfd;
  break-inside: avoid; }}
.kpi .value {{ font-size: 22px; font-weight: bold; color: var(--accent);
  font-variant-numeric: tabular-nums; }}
.kpi .label {{ font-size: 12px; }}
.kpi .label .en {{ display: block; }}
figure {{ margin: 12px 0 20px; break-inside: avoid; }}
figcaption {{ font-size: 12px; color: var(--muted); margin-top: 2px; }}
.minis {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 12px; }}
.minis figure {{ border: 1px solid var(--line); border-radius: 6px; padding: 4px; margin: 0; }}
.columns {{ display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }}
.table-wrap {{ overflow-x: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0 16px; }}
th, td {{ border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }}
th {{ background: #eef3f7; font-weight: 600; }}
td:first-child {{ white-space: nowrap; }}
th .en {{ display: block; font-size: 11px; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.date {{ white-space: nowrap; }}
td.missing {{ color: #b0bec5; text-align: center; }}
tr.negative td, tr.vital td {{ background: #fdf0ee; }}
.empty {{ color: var(--muted); font-style: italic; background: #f5f7f8; padding: 10px 14px;
  border-radius: 6px; }}
.note {{ color: var(--muted); font-size: 12px; }}
.issue {{ border-left: 4px solid var(--bad); padding: 2px 0 2px 14px; margin: 14px 0; break-inside: avoid; }}
.examples {{ list-style: none; padding: 0; margin: 6px 0; }}
.examples li {{ margin: 6px 0; }}
.examples blockquote {{ margin: 0; padding: 6px 10px; background: #fbf6f5; border-radius: 4px;
  white-space: pre-wrap; word-break: break-word; }}
.examples .meta {{ font-size: 11px; color: var(--muted); }}
.terms .chip {{ background: #fdebd0; }}
pre {{ background: #f5f7f8; padding: 10px; overflow-x: auto; font-size: 12px; }}
footer {{ margin-top: 40px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line);
  padding-top: 8px; }}
@media print {{
  body {{ background: #fff; font-size: 11px; }}
  main {{ max-width: none; padding: 0; }}
  nav.toc {{ display: none; }}
  h2 {{ break-after: avoid; }}
  table, figure, .issue {{ break-inside: avoid; }}
  @page {{ size: A4; margin: 14mm; }}
}}
"""
