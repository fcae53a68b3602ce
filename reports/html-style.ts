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
.findings-panels{grid-template-columns:minmax(0,1.6fr) minmax(0,1fr)}
table.findings{width:100%;border-collapse:collapse;font-size:13px}
table.findings th,table.findings td{text-align:left;vertical-align:top;padding:4px 6px;border-top:1px solid #e3e6ea}
tr.lint.error td:first-child{color:#b42318;font-weight:600}
tr.lint.warn td:first-child{color:#8a5a00;font-weight:600}
tr.lint.waived{color:#667085}
.waiver{font-style:italic;margin-top:2px}
table.findings pre{white-space:pre-wrap;margin:4px 0;font-size:12px}
@media (max-width:900px){.panels{grid-template-columns:1fr}}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.panel h3{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);margin:0 0 8px}
dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:4px 16px;margin:0}
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.legend{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;font-size:13px}
.legend .sw{display:inline-flex;align-items:center;gap:6px}
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
 @page{margin:12mm}
}
`;
