/**
 * The stylesheet of report.html: system fonts only (nothing is fetched), colour plus symbol for every
 * state, and a print layout. `content-visibility: auto` on table sections lets the browser skip the
 * layout of grids outside the viewport: a 10,000-cell report becomes interactive in ~0.6 s instead of
 * ~3 s (Chromium, 2 cores). Internal to `reports/`.
 */
export const HTML_STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;--accent:#0b5cad;
--pass:#1a7f37;--pass-bg:#dafbe1;--fail:#cf222e;--fail-bg:#ffebe9;--err:#9a6700;--err-bg:#fff8c5;--known:#6e7781;--known-bg:#eaeef2;
--c-allowed:#0f6e56;--c-allowed-bg:#e3f4ee;--c-partial:#8a4b00;--c-partial-bg:#fdf0d5;--c-filtered:#3d4c5e;--c-filtered-bg:#edf1f6;
--c-denied:#5a32a3;--c-denied-bg:#efe9fb;--c-error:#a33a00;--c-error-bg:#fde6d8;
--sans:-apple-system,BlinkMacSystemFont,"Segoe UI","Noto Sans",Helvetica,Arial,"DejaVu Sans",sans-serif;
--mono:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.45 var(--sans);color:var(--fg);background:var(--bg)}
header.top{background:#24292f;color:#fff;padding:14px 28px;display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
header.top h1{font-size:18px;margin:0;font-weight:600}
header.top .sub{color:#c9d1d9;font-size:13px}
main{padding:20px 28px 48px;max-width:1600px;margin:0 auto}
h2{font-size:16px;margin:0}
code,pre,.mono{font-family:var(--mono);font-size:12.5px}
.banner{display:flex;align-items:center;gap:14px;padding:14px 18px;border-radius:8px;border:1px solid;margin-bottom:16px}
.banner .big{font-size:22px;font-weight:700;letter-spacing:.02em}
.banner.ok{background:var(--pass-bg);border-color:#4ac26b;color:#0d4a1f}
.banner.bad{background:var(--fail-bg);border-color:#ff8182;color:#82071e}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(132px,1fr));gap:10px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.card .n{font-size:24px;font-weight:700;font-variant-numeric:tabular-nums}
.card .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card.pass .n{color:var(--pass)}.card.fail .n{color:var(--fail)}.card.error .n{color:var(--err)}.card.known .n{color:var(--known)}
.panels{display:grid;grid-template-columns:minmax(0,1.3fr) minmax(0,1fr);gap:14px;margin-bottom:16px}
@media (max-width:900px){.panels{grid-template-columns:1fr}}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.panel h3{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0 0 8px}
dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 16px;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.legend{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;font-size:13px}
.legend .sw{display:inline-flex;align-items:center;gap:6px}
.sec-head{display:flex;align-items:baseline;gap:8px 14px;flex-wrap:wrap;margin-bottom:10px}
.sec-head h3{margin:0!important}
#lints,#coverage{margin-bottom:16px}
.sev-counts{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.sev{display:inline-block;font-size:11.5px;font-weight:600;padding:0 8px;border-radius:10px;border:1px solid;white-space:nowrap;line-height:18px}
.sev.error{color:var(--fail);background:var(--fail-bg);border-color:#ffcecb}
.sev.warn{color:var(--err);background:var(--err-bg);border-color:#eed888}
.sev.info{color:var(--accent);background:#ddf4ff;border-color:#b6e3ff}
.sev.waived{color:var(--known);background:var(--known-bg);border-color:#d0d7de}
.sev.zero{color:var(--muted);background:#fff;border-color:var(--line);font-weight:400}
.fails-note{color:var(--fail);font-weight:600;font-size:12.5px;margin-left:4px}
.clean{color:var(--pass);margin:0}
.lint-scroll{max-height:640px;overflow:auto;border:1px solid var(--line);border-radius:6px}
table.lints{width:100%;border-collapse:collapse;font-size:13px}
table.lints thead th{position:sticky;top:0;z-index:1;background:#fbfcfd;font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em;text-align:left;padding:6px 10px;border-bottom:1px solid var(--line)}
table.lints td{padding:8px 10px;border-top:1px solid #eaeef2;vertical-align:top;text-align:left}
table.lints tbody tr:first-child td{border-top:0}
table.lints td.sevcell,table.lints td.id{white-space:nowrap;width:1%}
td.sevcell .was,td.sevcell .fails-tag{display:block;margin-top:4px;font-size:11px;padding-left:2px}
td.sevcell .was{color:var(--muted)}
.fails-tag{color:var(--fail);font-weight:600}
td.objcell{width:24%;overflow-wrap:anywhere}
td.objcell .ot{color:var(--muted);font-size:11.5px}
td.objcell .pol,td.objcell .mx{font-size:12px;color:var(--muted);margin-top:2px}
tr.lint.fails td:first-child{box-shadow:inset 3px 0 0 var(--fail)}
tr.lint.waived td{background:#f9fafb;color:var(--muted)}
.waiver{margin-top:6px;padding:3px 8px;border-left:3px solid var(--known);background:var(--known-bg);color:var(--fg);border-radius:0 4px 4px 0;font-size:12.5px}
.waiver .src{color:var(--muted);font-size:11.5px;margin-left:4px}
details.fix{margin-top:4px}
details.fix>summary{cursor:pointer;color:var(--accent);font-size:12.5px;width:max-content}
details.fix p{margin:6px 0;max-width:90ch}
details.fix pre{background:#f6f8fa;border:1px solid var(--line);border-radius:6px;padding:6px 10px;margin:4px 0 2px;white-space:pre-wrap;overflow-wrap:anywhere;color:var(--fg)}
svg.bar{display:block;background:var(--known-bg);overflow:hidden}
svg.bar.big{width:100%;height:14px;border-radius:4px;margin:2px 0 10px}
svg.bar.mini{width:120px;height:8px;border-radius:2px}
.b-stated{fill:#2da44e}.b-defaulted{fill:#80ccff}.b-untested{fill:#fb8f44}
.mk{display:inline-block;min-width:20px;text-align:center;font:600 11.5px/18px var(--mono);border-radius:4px;border:1px solid}
.m-stated{color:#116329;background:#dafbe1;border-color:#aceebb}
.m-defaulted{color:#0550ae;background:#ddf4ff;border-color:#b6e3ff}
.m-untested{color:#953800;background:#fff1e5;border-color:#ffc680}
.cov-legend{display:flex;flex-wrap:wrap;gap:8px 24px;font-size:13px;margin-bottom:12px}
.cov-legend .k{display:inline-flex;align-items:center;gap:6px}
.cov-kv{margin-bottom:12px}
.cov-kv dd{line-height:1.9}
.tag{display:inline-block;margin-right:6px;padding:0 6px;border:1px solid var(--line);border-radius:4px;background:#f6f8fa;font-size:12px;line-height:18px}
.tag.nn{color:#953800;background:#fff1e5;border-color:#ffc680;font-size:11px;margin:0}
details.cov-tables>summary{cursor:pointer;font-weight:600;padding:4px 0}
.cov-list{border:1px solid var(--line);border-radius:6px;margin-top:6px;max-height:640px;overflow:auto}
details.cov-table{border-top:1px solid #eaeef2}
details.cov-table:first-child{border-top:0}
details.cov-table>summary{display:grid;grid-template-columns:10px minmax(0,1fr) 76px 120px 160px;gap:12px;align-items:center;padding:5px 12px;cursor:pointer;list-style:none}
details.cov-table>summary::-webkit-details-marker{display:none}
details.cov-table>summary::before{content:'▸';color:var(--muted)}
details.cov-table[open]>summary::before{content:'▾'}
details.cov-table>summary:hover{background:#f6f8fa}
details.cov-table .name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cnt{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;font-size:12px;text-align:right}
.n-stated{color:#116329}.n-defaulted{color:#0550ae}.n-untested{color:#953800}
.cov-m{padding:2px 12px 12px 34px}
table.cov-grid{border-collapse:collapse;font-size:12.5px}
table.cov-grid th,table.cov-grid td{padding:3px 10px;text-align:center;border-bottom:1px solid #eaeef2}
table.cov-grid thead th{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em;font-weight:600}
table.cov-grid tbody th{text-align:left;font-weight:600;white-space:nowrap}
table.cov-grid tbody th .idle{margin-left:6px;font-weight:400;font-size:11px;color:#953800}
.toolbar{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin-bottom:16px;box-shadow:0 1px 3px rgba(31,35,40,.06)}
.toolbar label{display:inline-flex;align-items:center;gap:6px;font-size:13px}
.toolbar select,.toolbar input[type=search]{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:#fff}
.toolbar .count{margin-left:auto;color:var(--muted);font-size:13px}
section.table{content-visibility:auto;contain-intrinsic-size:auto 640px;background:var(--card);border:1px solid var(--line);border-radius:8px;margin-bottom:16px;overflow:hidden}
section.table>.head{display:flex;align-items:center;gap:12px;padding:10px 14px;border-bottom:1px solid var(--line);background:#fbfcfd}
section.table>.head .tc{margin-left:auto;display:flex;gap:10px;font-size:12.5px;color:var(--muted)}
.scroll{overflow-x:auto}
table.grid{border-collapse:collapse;width:100%}
table.grid th,table.grid td{border-bottom:1px solid #eaeef2;padding:6px 8px;vertical-align:top;text-align:left}
table.grid thead th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:#fbfcfd;white-space:nowrap}
table.grid tbody th{white-space:nowrap;font-weight:600;width:1%}
table.grid tbody th .role{display:block;font-weight:400;color:var(--muted);font-size:11.5px}
td.cellset{min-width:150px}
.chips{display:flex;flex-direction:column;gap:4px}
.chip{display:grid;grid-template-columns:1fr auto;gap:0 8px;width:100%;text-align:left;font:inherit;font-size:12px;line-height:1.3;padding:4px 7px;border-radius:6px;border:1px solid;cursor:pointer;color:inherit}
.chip:focus-visible{outline:2px solid var(--accent);outline-offset:1px}
.chip .sc{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip .obs{grid-column:1/3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.chip .sym{display:inline-block;min-width:1.1em;margin-right:3px;text-align:center;font-weight:700}
.chip .exp{color:var(--muted)}
.chip.c-allowed{background:var(--c-allowed-bg);border-color:#9fd8c4}.chip.c-allowed .sym{color:var(--c-allowed)}
.chip.c-partial{background:var(--c-partial-bg);border-color:#ecc27d}.chip.c-partial .sym{color:var(--c-partial)}
.chip.c-filtered{background:var(--c-filtered-bg);border-color:#c3ccd8}.chip.c-filtered .sym{color:var(--c-filtered)}
.chip.c-denied{background:var(--c-denied-bg);border-color:#c9b6ef}.chip.c-denied .sym{color:var(--c-denied)}
.chip.c-error{background:var(--c-error-bg);border-color:#f0b48e}.chip.c-error .sym{color:var(--c-error)}
.chip.k-pass{background:#e6f4ea;border-color:#9fd8b0}.chip.k-fail{background:#fde3e3;border-color:#e5a1a1}.chip.k-error{background:#fff1c9;border-color:#e6c35c}.chip.k-known{background:#eceff3;border-color:#c3ccd8}
.chip.s-fail{border:2px solid var(--fail);box-shadow:inset 4px 0 0 var(--fail)}
.chip.s-error{border:2px dashed var(--err);box-shadow:inset 4px 0 0 var(--err)}
.chip.s-known{border-style:dashed}
.chip[aria-expanded=true]{outline:2px solid var(--accent);outline-offset:1px}
.badge{display:inline-block;font-size:10.5px;font-weight:700;letter-spacing:.04em;padding:0 5px;border-radius:9px;line-height:16px;white-space:nowrap}
.badge.pass{color:var(--pass);background:#fff;border:1px solid #b7e4c4}
.badge.fail{color:#fff;background:var(--fail)}
.badge.error{color:#3b2300;background:#f5c842}
.badge.known{color:#fff;background:var(--known)}
tr.detail>td{background:#f6f8fa;padding:0}
.detail-box{border-left:4px solid var(--accent);padding:12px 16px;margin:0}
.detail-box.s-fail{border-left-color:var(--fail)}.detail-box.s-error{border-left-color:var(--err)}.detail-box.s-known{border-left-color:var(--known)}.detail-box.s-pass{border-left-color:var(--pass)}
.detail-box h4{margin:0 0 8px;font-size:13.5px}
.detail-box pre{background:#fff;border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:8px 0 0;white-space:pre-wrap;overflow-wrap:anywhere;max-height:320px;overflow:auto}
.detail-box .msg{color:#82071e}
#problems{margin-bottom:16px}
.copy{margin-top:6px;font:inherit;font-size:12px;padding:2px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
#policies .pol{border-top:1px solid #eaeef2;padding:6px 4px}#policies .pol:first-of-type{border-top:0}
#policies .def{font-family:var(--mono);font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
#problems .item{border-top:1px solid #eaeef2}
#problems .item:first-of-type{border-top:0}
#problems summary{cursor:pointer;padding:6px 4px;list-style-position:inside}
#problems summary .t{font-family:var(--mono);font-size:12.5px;color:var(--muted)}
.empty{padding:18px;color:var(--muted);text-align:center}
button.link{font:inherit;color:var(--accent);background:none;border:0;padding:4px 0;cursor:pointer;text-decoration:underline}
.legend .chip{display:inline-flex;width:auto;cursor:default;padding:2px 8px}
.legend .badge{margin-right:4px}
.legend-title{margin-top:12px!important}
.muted{color:var(--muted)}
.hidden{display:none!important}
footer{color:var(--muted);font-size:12px;margin-top:24px}
@media print{
 body{background:#fff;font-size:11px}
 code,pre,.mono{font-size:10px}
 header.top{background:#fff;color:#000;border-bottom:2px solid #000;padding:6px 0}
 header.top .sub{color:#333}
 main{padding:8px 0;max-width:none}
 .toolbar,button.link,noscript{display:none!important}
 section.table{content-visibility:visible}
 section.table,.panel,.card,tr{break-inside:avoid}
 section.table,.panel,.card{border-color:#999}
 .scroll{overflow:visible}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 .detail-box pre{max-height:none}
 .lint-scroll,.cov-list{max-height:none;overflow:visible}
 table.lints thead th{position:static}
 @page{margin:12mm}
}
`;
