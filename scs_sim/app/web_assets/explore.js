/* scs-sim explorer front-end: controls -> view (live /api/view or the embedded grid) -> SVG panels.
   No external code, no network requests except /api/view in live mode. */
(function () {
  "use strict";
  const CFG = JSON.parse(document.getElementById("scs-config").textContent);
  const META = CFG.meta;
  const LIVE = CFG.mode === "live";
  const GRID = CFG.grid;
  const SLIDERS = ["frequency_hz", "amplitude_ma", "pulse_width_us", "pulses_per_burst", "intraburst_hz"];
  const SELECTS = ["kind", "cycling", "patient", "nmda", "mechanisms"];
  const NUMERIC = new Set(SLIDERS);
  let state = Object.assign({}, META.defaults);
  let seq = 0;
  let lastEventT = null;
  let current = null;
  window.scsLatencies = [];
  window.scsUpdates = 0;

  // ---------- formatting ----------
  function trim(x, p) {
    if (x === null || x === undefined || !isFinite(x)) return "—";
    const v = Number(Number(x).toPrecision(p || 3));
    return Math.abs(v) >= 1e4 ? v.toLocaleString("en-US") : String(v);
  }
  function fmtHz(v) { return v >= 1000 ? trim(v / 1000, 3) + " kHz" : trim(v, 3) + " Hz"; }
  function fmtUs(v) { return v >= 1000 ? trim(v / 1000, 3) + " ms" : trim(v, 3) + " µs"; }
  const FMT = {
    frequency_hz: fmtHz, amplitude_ma: (v) => trim(v, 3) + (state.kind === "multiplexed" ? " × preset" : " mA"),
    pulse_width_us: fmtUs, pulses_per_burst: (v) => String(v), intraburst_hz: fmtHz,
  };
  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c])); }

  // ---------- slider values ----------
  function axisValues(name, kind) {
    if (!LIVE) {
      const vals = new Set();
      for (const s of GRID.states) if (s.kind === kind) vals.add(Number(s[name]));
      return [...vals].sort((a, b) => a - b);
    }
    const ax = META.axes[name] || {};
    return (ax[kind] || ax["default"] || [state[name]]).slice();
  }
  function nearestIndex(vals, v) {
    let best = 0;
    for (let i = 1; i < vals.length; i++) if (Math.abs(Math.log(vals[i] / v)) < Math.abs(Math.log(vals[best] / v))) best = i;
    return best;
  }
  function syncControls() {
    for (const name of SLIDERS) {
      const box = document.getElementById("s-" + name);
      const input = box.querySelector("input");
      const vals = axisValues(name, state.kind);
      box._vals = vals;
      input.max = String(Math.max(0, vals.length - 1));
      const i = vals.length ? nearestIndex(vals, Number(state[name])) : 0;
      input.value = String(i);
      if (vals.length) state[name] = vals[i];
      box.querySelector("output").textContent = FMT[name](state[name]);
      const fixed = vals.length <= 1;
      const burstOnly = box.classList.contains("burst-only");
      box.style.display = burstOnly && state.kind !== "burst" ? "none" : "";
      box.classList.toggle("disabled", fixed);
      input.disabled = fixed;
    }
    for (const name of SELECTS) document.getElementById("c-" + name).value = String(state[name]);
    document.querySelector("#s-amplitude_ma .lab").textContent = state.kind === "multiplexed" ? "Amplitude scale" : "Amplitude";
    document.querySelector("#s-frequency_hz .lab").textContent = state.kind === "burst" ? "Burst rate" : "Frequency";
  }
  function fillSelect(id, items, labels) {
    const el = document.getElementById(id);
    el.innerHTML = items.map((v) => `<option value="${esc(v)}">${esc(labels ? labels[v] : v)}</option>`).join("");
  }
  function gridChoices(key) {
    if (LIVE) return null;
    return [...new Set(GRID.states.map((s) => String(s[key])))];
  }

  // ---------- data ----------
  function nearestGridState(want, changed) {
    let best = -1, bestD = Infinity;
    GRID.states.forEach((s, i) => {
      let d = 0;
      for (const k of SELECTS) if (String(s[k]) !== String(want[k])) d += k === changed ? 1e6 : 1e3;
      for (const k of SLIDERS) {
        const a = Number(s[k]), b = Number(want[k]);
        if (a !== b) d += (k === changed ? 1e4 : 10) * (1 + Math.abs(Math.log(a / b)));
      }
      if (d < bestD) { bestD = d; best = i; }
    });
    return best;
  }
  function getView(changed) {
    if (LIVE) {
      const q = encodeURIComponent(JSON.stringify(state));
      return fetch("/api/view?state=" + q).then((r) => r.json());
    }
    const i = nearestGridState(state, changed);
    const s = GRID.states[i];
    const moved = SLIDERS.concat(SELECTS).filter((k) => String(s[k]) !== String(state[k]));
    state = Object.assign({}, s);
    const v = GRID.views[i];
    return Promise.resolve(Object.assign({ snapped: moved }, v));
  }
  function update(changed) {
    const my = ++seq;
    const t0 = lastEventT !== null ? lastEventT : performance.now();
    lastEventT = null;
    document.body.classList.add("busy");
    return getView(changed).then((view) => {
      if (my !== seq) return;
      if (!LIVE) syncControls();
      current = view;
      render(view);
      const ms = performance.now() - t0;
      window.scsLatencies.push(ms);
      window.scsUpdates += 1;
      document.getElementById("latency").textContent = `updated in ${Math.round(ms)} ms` +
        (view.server_ms !== undefined ? ` (model ${Math.round(view.server_ms)} ms)` : " (precomputed grid)");
      document.body.classList.remove("busy");
    }).catch((err) => {
      document.getElementById("v-numbers").innerHTML = `<p class="error">${esc(err)}</p>`;
    });
  }

  // ---------- SVG helpers ----------
  const W = 420, H = 230;
  function axes(x0, y0, x1, y1) { return `<path class="axis" d="M${x0},${y0} V${y1} H${x1}"/>`; }
  function txt(x, y, s, opts) {
    const o = opts || {};
    return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${o.anchor ? ` text-anchor="${o.anchor}"` : ""}${o.cls ? ` class="${o.cls}"` : ""}${o.fill ? ` style="fill:${o.fill}"` : ""}${o.rot ? ` transform="rotate(-90 ${x.toFixed(1)} ${y.toFixed(1)})"` : ""}>${esc(s)}</text>`;
  }
  function message(id, s) { document.getElementById(id).innerHTML = txt(W / 2, H / 2, s, { anchor: "middle" }); }
  function colorScale(ratio) {  // activity with / without SCS: blue = lower, grey = same, red = higher
    if (ratio === null || !isFinite(ratio)) return "#dde3e8";
    const r = Math.max(-1, Math.min(1, Math.log2(ratio) / 2));
    if (r < 0) { const a = -r; return `rgb(${Math.round(221 - 170 * a)},${Math.round(227 - 110 * a)},${Math.round(232 - 20 * a)})`; }
    return `rgb(${Math.round(221 + 20 * r)},${Math.round(227 - 150 * r)},${Math.round(232 - 170 * r)})`;
  }

  // ---------- panels ----------
  function drawPulse(v) {
    const p = v.pulse, tr = v.train;
    const L = 46, R = 410, T = 16, B = 120;
    let out = "";
    const ph = p.phases;
    const amax = Math.max(1e-9, ...ph.map((q) => Math.abs(q[2])));
    const win = p.window_us, ms = win >= 2000;
    const X = (t) => L + (R - L) * t / win, Y = (c) => (T + B) / 2 - (B - T) / 2 * c / amax;
    out += `<line x1="${L}" x2="${R}" y1="${Y(0)}" y2="${Y(0)}" stroke="#bbb"/>`;
    const sorted = ph.slice().sort((a, b) => a[0] - b[0]);
    let d = `M${X(0)},${Y(0)}`;
    for (const q of sorted) d += ` H${X(q[0]).toFixed(2)} V${Y(q[2]).toFixed(2)} H${X(Math.min(win, q[0] + q[1])).toFixed(2)} V${Y(0)}`;
    d += ` H${R}`;
    out += `<path d="${d}" fill="none" stroke="#1f5fa0" stroke-width="1.5"/>`;
    out += axes(L, T - 4, R, B);
    out += txt(L - 4, T + 4, trim(amax, 3) + " mA", { anchor: "end", cls: "small" });
    out += txt(L - 4, B, "−" + trim(amax, 3), { anchor: "end", cls: "small" });
    out += txt(R, B + 12, ms ? trim(win / 1000, 3) + " ms" : trim(win, 3) + " µs", { anchor: "end", cls: "small" });
    out += txt(L, B + 12, "0", { cls: "small" });
    out += txt((L + R) / 2, B + 12, "one unit (cathodic phase down)", { anchor: "middle", cls: "small" });
    // train strip
    const T2 = 160, B2 = 196, X2 = (t) => L + (R - L) * t / tr.window_ms;
    out += `<rect x="${L}" y="${T2}" width="${R - L}" height="${B2 - T2}" fill="#f4f6f8"/>`;
    for (const [a, b] of tr.on) {
      const x0 = X2(a * 1000), x1 = X2(Math.min(tr.window_ms, b * 1000));
      if (x1 > x0) out += `<rect x="${Math.max(L, x0)}" y="${T2}" width="${Math.min(R, x1) - Math.max(L, x0)}" height="${B2 - T2}" fill="#e3ecf5"/>`;
    }
    if (tr.n > tr.onsets_ms.length) {
      out += `<rect x="${L}" y="${T2 + 4}" width="${R - L}" height="${B2 - T2 - 8}" fill="#1f5fa0" opacity="0.25"/>`;
      out += `<g stroke="#1f5fa0" stroke-width="0.6">` + tr.onsets_ms.map((t) => `<line x1="${X2(t).toFixed(1)}" x2="${X2(t).toFixed(1)}" y1="${T2 + 4}" y2="${B2 - 4}"/>`).join("") + "</g>";
    } else {
      out += `<g stroke="#1f5fa0" stroke-width="1">` + tr.onsets_ms.map((t) => `<line x1="${X2(t).toFixed(1)}" x2="${X2(t).toFixed(1)}" y1="${T2 + 4}" y2="${B2 - 4}"/>`).join("") + "</g>";
    }
    out += txt(L, T2 - 5, `train, first ${trim(tr.window_ms)} ms: ${tr.n.toLocaleString("en-US")} pulses (${trim(v.dose.pulses_per_s, 4).replace(/,/g, " ")} pulses/s)`, { cls: "small" });
    out += txt(L, B2 + 13, "0", { cls: "small" }) + txt(R, B2 + 13, trim(tr.window_ms) + " ms", { anchor: "end", cls: "small" });
    document.getElementById("v-pulse").innerHTML = out;
  }

  function drawCross(v) {
    const f = META.fibers[state.patient];
    if (!f) return message("v-cross", "no fibre positions for this patient");
    const lit = new Set(v.lit);
    const xs = f.x, ds = f.d;
    const xmax = Math.max(0.5, ...xs.map(Math.abs)) * 1.05, dmax = Math.max(0.3, ...ds) * 1.08;
    const csf = f.csf_mm || 0;
    const L = 14, R = 406, top = 62, B = 196;
    const sx = (R - L) / (2 * xmax), sy = Math.min((B - top) / dmax, 4 * sx);
    const ex = sy / sx;
    const cx = (L + R) / 2;
    const X = (x) => cx + x * sx, Y = (d) => top + d * sy;
    let out = "";
    out += `<rect x="${L}" y="22" width="${R - L}" height="${top - 22}" fill="#e6f2fb"/>`;
    out += `<rect x="${cx - 20}" y="14" width="40" height="9" rx="3" fill="#6b7a89"/>`;
    out += txt(cx + 26, 22, "lead (over the midline)", { cls: "small" });
    out += txt(L + 3, 36, `CSF ${trim(csf, 2)} mm (not to scale)`, { cls: "small" });
    out += `<rect x="${L}" y="${top}" width="${R - L}" height="${B - top}" fill="#fbf8f2"/>`;
    out += `<path d="M${L},${top} H${R}" stroke="#8a9aa8" stroke-width="1.2"/>`;
    out += `<line x1="${cx}" x2="${cx}" y1="${top}" y2="${B}" stroke="#ccc" stroke-dasharray="3 3"/>`;
    let nd = 0, nr = 0;
    const order = xs.map((_, i) => i).sort((a, b) => lit.has(a) - lit.has(b));  // lit fibres on top
    for (const i of order) {
      const x = xs[i], on = lit.has(i), dr = f.dr[i] === 1;
      if (on) { if (dr) nr++; else nd++; }
      const r = Math.max(1.3, Math.min(3.4, f.um[i] / 4));
      const px = X(x).toFixed(1), py = Y(ds[i]).toFixed(1);
      if (dr) out += `<rect x="${(px - r).toFixed(1)}" y="${(py - r).toFixed(1)}" width="${(2 * r).toFixed(1)}" height="${(2 * r).toFixed(1)}" fill="${on ? "#ff8c00" : "none"}" stroke="${on ? "#b35c00" : "#9aa6b1"}" stroke-width="0.7"/>`;
      else out += `<circle cx="${px}" cy="${py}" r="${r.toFixed(1)}" fill="${on ? "#ffb000" : "none"}" stroke="${on ? "#b37b00" : "#9aa6b1"}" stroke-width="0.7"/>`;
    }
    out += txt(L, B + 12, `−${trim(xmax, 2)} mm`, { cls: "small" }) + txt(R, B + 12, `+${trim(xmax, 2)} mm`, { anchor: "end", cls: "small" });
    out += txt(cx, B + 12, `depth ↓ to ${trim(dmax, 2)} mm` + (ex > 1.2 ? ` (×${trim(ex, 2)} stretched)` : ""), { anchor: "middle", cls: "small" });
    out += txt(L, 224, `lit = fired during the run: DC ${nd} / ${f.n_dc} (circles), DR ${nr} / ${f.n_dr} (squares)`, { cls: "small" });
    document.getElementById("v-cross").innerHTML = out;
  }

  function drawGate(v) {
    const g = v.gate, P = g.pops;
    const nodes = {
      dc: [70, 30, "DC (SCS)"], abeta: [70, 80, "Aβ"], adelta: [70, 130, "Aδ"], c: [70, 180, "C"],
      surround_in: [215, 30, "surround IN"], local_in: [215, 95, "local IN"], ex: [215, 170, "EX"], wdr: [355, 110, "WDR"],
    };
    const edges = META.pathways || [];
    let out = `<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5d6d7c"/></marker>
      <marker id="bar" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M5,0 V10" stroke="#b3261e" stroke-width="3"/></marker></defs>`;
    for (const [pre, post, inhib] of edges) {
      const a = nodes[pre], b = nodes[post];
      if (!a || !b) continue;
      const dx = b[0] - a[0], dy = b[1] - a[1], len = Math.hypot(dx, dy);
      const x0 = a[0] + dx / len * 38, y0 = a[1] + dy / len * 16, x1 = b[0] - dx / len * 40, y1 = b[1] - dy / len * 17;
      out += `<line x1="${x0.toFixed(1)}" y1="${y0.toFixed(1)}" x2="${x1.toFixed(1)}" y2="${y1.toFixed(1)}" stroke="${inhib ? "#b3261e" : "#5d6d7c"}" stroke-width="1.1" marker-end="url(#${inhib ? "bar" : "arr"})"/>`;
    }
    for (const [k, [x, y, label]] of Object.entries(nodes)) {
      const pr = P[k];
      const rate = pr ? pr[0] : null, base = pr ? pr[1] : null;
      const ratio = k === "dc" ? (rate > 0 ? 4 : 1) : (base > 0 ? rate / base : (rate > 0 ? 4 : 1));
      out += `<rect x="${x - 38}" y="${y - 16}" width="76" height="32" rx="6" fill="${colorScale(ratio)}" stroke="#5d6d7c"/>`;
      out += txt(x, y - 3, label, { anchor: "middle" });
      out += txt(x, y + 10, pr ? `${trim(rate, 2)} (${trim(base, 2)}) Hz` : "—", { anchor: "middle", cls: "small" });
    }
    out += txt(6, 222, "Hz per cell with SCS (without). Fill: blue lower, red higher with SCS; red lines inhibit", { cls: "small" });
    document.getElementById("v-gate").innerHTML = out;
  }

  function drawRaster(v) {
    const r = v.raster, f = META.fibers[state.patient];
    const L = 40, R = 410, T = 12, B = 190;
    const ids = [...new Set(r.f)].sort((a, b) => a - b), rank = new Map(ids.map((id, i) => [id, i]));
    const n = Math.max(1, ids.length), h = Math.max(1, Math.min(6, (B - T) / n - 0.5));
    const X = (t) => L + (R - L) * t / r.window_ms, Y = (i) => T + (B - T) * (i + 0.5) / n;
    let out = axes(L, T, R, B);
    let dots = "", drs = "";
    for (let i = 0; i < r.t.length; i++) {
      const dr = f && f.dr[r.f[i]] === 1;
      const s = `<rect x="${(X(r.t[i]) - 0.9).toFixed(1)}" y="${(Y(rank.get(r.f[i])) - h / 2).toFixed(1)}" width="1.8" height="${h.toFixed(1)}"/>`;
      if (dr) drs += s; else dots += s;
    }
    out += `<g fill="#1d232a">${dots}</g><g fill="#ff8c00">${drs}</g>`;
    if (!r.n) out += txt((L + R) / 2, (T + B) / 2, "no fibre fires: below threshold", { anchor: "middle" });
    out += txt(L, B + 13, "0", { cls: "small" }) + txt(R, B + 13, `${trim(r.window_ms)} ms`, { anchor: "end", cls: "small" });
    out += txt(16, (T + B) / 2, `${ids.length} fibre${ids.length === 1 ? "" : "s"} that fired`, { anchor: "middle", rot: true, cls: "small" });
    const shown = r.n > r.t.length ? `, ${r.t.length} drawn` : "";
    out += txt(L, 222, `${r.n.toLocaleString("en-US")} spikes in ${trim(r.window_ms)} ms${shown} (DR orange); synchrony ${trim(v.metrics.synchrony, 2)}`, { cls: "small" });
    document.getElementById("v-raster").innerHTML = out;
  }

  function drawWdr(v) {
    const w = v.wdr, L = 40, R = 410, T = 14, B = 180;
    if (!w.t.length) return message("v-wdr", "no WDR trace");
    const tmax = v.duration_s, ymax = Math.max(1, ...w.y, ...w.base) * 1.1;
    const X = (t) => L + (R - L) * t / tmax, Y = (y) => B - (B - T) * y / ymax;
    const line = (ys) => ys.map((y, i) => `${i ? "L" : "M"}${X(w.t[i]).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
    let out = axes(L, T, R, B);
    out += `<path d="${line(w.base)}" fill="none" stroke="#888" stroke-width="1.3" stroke-dasharray="4 3"/>`;
    out += `<path d="${line(w.y)}" fill="none" stroke="#c0392b" stroke-width="1.6"/>`;
    out += txt(L - 4, T + 4, trim(ymax, 2), { anchor: "end", cls: "small" }) + txt(L - 4, B, "0", { anchor: "end", cls: "small" });
    out += txt(14, (T + B) / 2, "Hz per cell", { anchor: "middle", rot: true, cls: "small" });
    out += txt(L, B + 13, "0", { cls: "small" }) + txt(R, B + 13, `${trim(tmax)} s`, { anchor: "end", cls: "small" });
    out += `<line x1="${L + 8}" x2="${L + 26}" y1="206" y2="206" stroke="#c0392b" stroke-width="1.6"/>` + txt(L + 30, 210, "with SCS", { cls: "small" });
    out += `<line x1="${L + 98}" x2="${L + 116}" y1="206" y2="206" stroke="#888" stroke-dasharray="4 3" stroke-width="1.3"/>` + txt(L + 120, 210, "no stimulation", { cls: "small" });
    const m = v.metrics;
    out += txt(L, 224, `mean ${trim(m.wdr_rate_hz, 3)} Hz vs ${trim(m.baseline_wdr_rate_hz, 3)} Hz without SCS`, { cls: "small" });
    document.getElementById("v-wdr").innerHTML = out;
  }

  function drawNumbers(v) {
    const m = v.metrics, d = v.dose;
    const unsafe = !d.feasible || m.discomfort;
    let html = "";
    if (unsafe) {
      const why = d.reasons.slice();
      if (m.discomfort) why.push("the model predicts discomfort at this intensity");
      html += `<div class="safety bad" id="safety">⚠ Not a deliverable / safe program${m.relief_pct >= 50 ? " — whatever the relief says" : ""}<ul>${why.map((w) => `<li>${esc(w)}</li>`).join("")}</ul></div>`;
    } else {
      html += `<div class="safety ok" id="safety">✓ Within the charge, density and device checks</div>`;
    }
    const rows = [
      ["Relief (WDR vs no stimulation)", `≈ ${trim(m.relief_pct, 3)} %`, "relief"],
      ["Paresthesia", m.paresthesia ? "yes" : "no (sub-perception)", "paresthesia"],
      ["DC fibres recruited", `${m.recruited_dc} / ${m.n_dc}` + (m.recruited_dr ? `, DR ${m.recruited_dr}` : ""), "recruited"],
    ];
    if (m.windup_index !== null || m.baseline_windup_index !== null || state.patient === "windup")
      rows.push(["Wind-up index (with / without SCS)", `${trim(m.windup_index, 3)} / ${trim(m.baseline_windup_index, 3)}`, "windup"]);
    rows.push(
      ["Charge per phase", `${trim(d.charge_per_phase_uc, 3)} µC`, "charge"],
      ["Charge density", `<span class="${d.density_safe ? "flag-ok" : "flag-bad"}">${trim(d.charge_density_uc_per_cm2, 3)} µC/cm²</span>`, "density"],
      ["Shannon k (limit 1.85)", `<span class="${d.shannon_safe ? "flag-ok" : "flag-bad"}">${trim(d.shannon_k, 3)}</span>`, "shannon"],
      ["Load voltage I·Z (12 V device)", `<span class="${d.within_compliance ? "flag-ok" : "flag-bad"}">${trim(d.load_voltage_v, 3)} V</span>`, "voltage"],
    );
    if (d.recharge_min_per_day !== null && d.recharge_min_per_day !== undefined)
      rows.push(["Battery (rechargeable)", `${trim(d.recharge_min_per_day, 3)} min recharge / day`, "battery"]);
    if (d.days_per_charge !== null && d.days_per_charge !== undefined)
      rows.push(["Days per full charge", trim(d.days_per_charge, 3), "days"]);
    html += "<table>" + rows.map(([a, b, id]) => `<tr><td>${a}</td><td class="num" id="n-${id}">${b}</td></tr>`).join("") + "</table>";
    const snapped = v.snapped && v.snapped.length ? `Nearest grid point shown (${v.snapped.map((k) => k.replace(/_/g, " ")).join(", ")} moved).` : "";
    document.getElementById("snap").textContent = snapped;
    document.getElementById("v-numbers").innerHTML = html;
  }

  function render(v) {
    if (v.error) {
      for (const id of ["v-pulse", "v-cross", "v-gate", "v-raster", "v-wdr"]) message(id, "—");
      document.getElementById("v-numbers").innerHTML = `<p class="error" id="safety">Invalid program: ${esc(v.error)}</p>`;
      return;
    }
    drawPulse(v); drawCross(v); drawGate(v); drawRaster(v); drawWdr(v); drawNumbers(v);
    document.getElementById("approx").textContent = `≈ numbers: one ${trim(v.duration_s)} s spiking run, seed 1 (the report uses longer runs and replicates); charge and battery figures are exact formulas of the illustrative device.`;
  }

  // ---------- lessons ----------
  function showLesson(name) {
    const les = CFG.lessons.find((l) => l.name === name);
    document.querySelectorAll("#lesson-buttons button").forEach((b) => b.classList.toggle("active", b.dataset.lesson === name));
    if (!les) {
      document.getElementById("lesson-title").textContent = "Explore";
      document.getElementById("lesson-body").innerHTML = "<p>Move a control: every panel is one run of the model for these settings. Choose a lesson for a guided tour.</p>";
      return;
    }
    document.getElementById("lesson-title").textContent = les.title;
    document.getElementById("lesson-body").innerHTML = les.paragraphs.map((p) => `<p>${esc(p)}</p>`).join("") +
      `<h4>Where the model is uncertain</h4>` + les.caveats.map((p) => `<p class="caveat">${esc(p)}</p>`).join("");
  }
  function loadLesson(name, changed) {
    const les = CFG.lessons.find((l) => l.name === name);
    if (!les) return;
    const kd = META.kind_defaults[les.state.kind || "tonic"] || {};
    state = Object.assign({}, META.defaults, kd, les.state);
    showLesson(name);
    syncControls();
    lastEventT = performance.now();
    return update(changed || "kind");
  }

  // ---------- wiring ----------
  function init() {
    document.getElementById("mode").textContent = LIVE ? "live model" : `offline: ${GRID.states.length} precomputed states`;
    const kinds = gridChoices("kind") || Object.keys(META.kinds);
    fillSelect("c-kind", kinds, META.kinds);
    fillSelect("c-cycling", gridChoices("cycling") || META.cycling);
    fillSelect("c-patient", gridChoices("patient") || META.patients);
    fillSelect("c-nmda", gridChoices("nmda") || ["normal", "blocked"]);
    fillSelect("c-mechanisms", gridChoices("mechanisms") || META.mechanisms);
    for (const id of ["c-cycling", "c-patient", "c-nmda", "c-mechanisms", "c-kind"]) {
      const el = document.getElementById(id);
      el.disabled = el.options.length <= 1;
    }
    const lb = document.getElementById("lesson-buttons");
    lb.innerHTML = CFG.lessons.map((l) => `<button type="button" data-lesson="${esc(l.name)}">${esc(l.title)}</button>`).join("") ||
      "<p class=\"note\">(no lessons in this file)</p>";
    lb.querySelectorAll("button").forEach((b) => b.addEventListener("click", () => { lastEventT = performance.now(); loadLesson(b.dataset.lesson); }));
    for (const name of SLIDERS) {
      const box = document.getElementById("s-" + name), input = box.querySelector("input");
      const onMove = () => {
        lastEventT = performance.now();
        state[name] = box._vals[Number(input.value)];
        box.querySelector("output").textContent = FMT[name](state[name]);
        update(name);
      };
      input.addEventListener("input", onMove);
    }
    for (const name of SELECTS) {
      document.getElementById("c-" + name).addEventListener("change", (e) => {
        lastEventT = performance.now();
        state[name] = e.target.value;
        if (name === "kind") Object.assign(state, META.kind_defaults[state.kind] || {});
        syncControls();
        update(name);
      });
    }
    const hash = new URLSearchParams(location.hash.slice(1));
    const start = hash.get("lesson") || CFG.lesson;
    if (start && CFG.lessons.some((l) => l.name === start)) return loadLesson(start);
    if (!LIVE) state = Object.assign({}, GRID.states[0]);
    showLesson(null);
    syncControls();
    return update("kind");
  }
  window.scsReady = init();
})();
