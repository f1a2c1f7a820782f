/* Descent Lab: client-side drawing and playback (no server request while playing or scrubbing).
 *
 * draw(traj, ...figures): clientside callback; decodes the trajectory payload (layouts/figures.py:
 * pack/unpack) and fills every trace that carries `meta` (same rules as figures.fill in Python).
 * Playback: requestAnimationFrame loop; each frame restyles only the "upto", "cur" and "fit" traces
 * of the mounted graphs. window.descentLab exposes the state for tests and benchmarks.
 */
(function () {
  "use strict";
  var Q = 65534;
  var GRAPHS = ["dl-surface", "dl-contour", "dl-loss", "dl-eta", "dl-params", "dl-fit"];
  var SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
  var S = {step: null, max: 0, atEnd: true, playing: false, speed: 1, runs: [], data: null,
           frames: 0, frameMs: 0, last: 0, acc: 0, live: false, syncing: false};
  window.descentLab = S;

  function view(b64) {
    var bin = atob(b64), u8 = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
    return new DataView(u8.buffer);
  }
  function unpack(b, n) {
    var out = new Array(n), i, dv;
    if ("r0" in b) { for (i = 0; i < n; i++) out[i] = b.r0 + i; return out; }
    if ("c" in b) { for (i = 0; i < n; i++) out[i] = b.c; }
    else if ("f4" in b) { dv = view(b.f4); for (i = 0; i < n; i++) { var f = dv.getFloat32(4 * i, true); out[i] = isFinite(f) ? f : null; } }
    else { dv = view(b.q); for (i = 0; i < n; i++) { var q = dv.getUint16(2 * i, true); out[i] = q > Q ? null : b.lo + q / Q * (b.hi - b.lo); } }
    if (b.log) for (i = 0; i < n; i++) out[i] = out[i] === null ? null : Math.pow(10, out[i]);
    return out;
  }
  function decodeRun(run) {
    var out = {k: [], loss: [], eta: [], p: null, lr: null};
    (run.blocks || []).forEach(function (b) {
      ["k", "loss", "eta"].forEach(function (key) { out[key] = out[key].concat(unpack(b[key], b.n)); });
      ["p", "lr"].forEach(function (key) {
        if (!b[key]) return;
        var parts = b[key].map(function (x) { return unpack(x, b.n); });
        out[key] = out[key] === null ? parts : out[key].map(function (a, d) { return a.concat(parts[d]); });
      });
    });
    return Object.assign({}, run, out);
  }
  function field(run, name) {
    var parts = name.split(".");
    return parts.length > 1 ? run[parts[0]][+parts[1]] : run[parts[0]];
  }
  function indexAt(k, step) {
    if (step === null || step === undefined) return k.length - 1;
    var lo = 0, hi = k.length - 1;
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (k[mid] <= step) lo = mid; else hi = mid - 1; }
    return lo;
  }
  function rowsFor(at, run, idx) {
    var n = run.k.length, out = [], i;
    if (at === "all") { for (i = 0; i < n; i++) out.push(i); }
    else if (at === "upto") { for (i = 0; i <= idx; i++) out.push(i); }
    else if (at === "cur") out.push(idx);
    else if (at === "first") out.push(0);
    else if (at === "div") { if (run.div >= 0) out.push(n - 1); }
    else if (at === "chg") out = (run.changes || []).map(function (s) { return indexAt(run.k, s); });
    return out;
  }
  function pick(vals, rows, log) {
    return rows.map(function (i) {
      var v = vals[i];
      return log ? (v !== null && v > 0 ? Math.log10(v) : null) : v;
    });
  }
  function sig(z) { return 1 / (1 + Math.exp(-z)); }
  function fitXY(run, idx, data) {
    var th = run.p.map(function (a) { return a[idx]; });
    if (th.some(function (v) { return v === null; })) return {x: [], y: []};
    if (data.xs) return {x: data.xs, y: data.xs.map(function (x) { return sig(th[0] * x + th[1]); })};
    var b = th[th.length - 1];
    return {x: data.Y, y: data.X.map(function (row) {
      var z = b; row.forEach(function (x, d) { z += th[d] * x; }); return sig(z);
    })};
  }
  function traceArrays(meta, step) {
    var run = S.runs[meta.run];
    if (!run || !run.k.length) return null;
    var idx = indexAt(run.k, step);
    if (meta.at === "fit") return S.data ? fitXY(run, idx, S.data) : null;
    var rows = rowsFor(meta.at, run, idx);
    var out = {x: pick(field(run, meta.x), rows), y: pick(field(run, meta.y), rows, meta.ylog)};
    if (meta.z) out.z = pick(field(run, meta.z), rows, meta.zlog);
    if (meta.legend) out.name = run.label;
    return out;
  }
  function fillFigure(fig, step) {
    var data = fig.data.map(function (tr) {
      if (!tr.meta || tr.meta.run === undefined) return tr;
      var arr = traceArrays(tr.meta, step);
      return arr ? Object.assign({}, tr, arr) : tr;
    });
    return Object.assign({}, fig, {data: data});
  }
  function curStep() { return S.step === null ? S.max : S.step; }

  /* ------------------------------------------------------------------ playback */
  function gd(id) { return document.querySelector("#" + id + " .js-plotly-plot") || document.querySelector("#" + id + ".js-plotly-plot"); }
  function applyStep() {
    var t0 = performance.now(), step = curStep();
    GRAPHS.forEach(function (id) {
      var g = gd(id);
      if (!g || !g.data || !window.Plotly) return;
      var idx = [], upd = {x: [], y: []}, threeD = false;
      g.data.forEach(function (tr, i) {
        var m = tr.meta;
        if (!m || m.run === undefined || !(m.at === "upto" || m.at === "cur" || m.at === "fit")) return;
        var arr = traceArrays(m, step);
        if (!arr) return;
        idx.push(i); upd.x.push(arr.x); upd.y.push(arr.y);
        if (arr.z) { threeD = true; (upd.z = upd.z || []).push(arr.z); }
      });
      if (idx.length) window.Plotly.restyle(g, upd, idx);
    });
    updateBar();
    S.frameMs = performance.now() - t0;
  }
  function updateBar() {
    var step = curStep();
    var label = document.getElementById("dl-step-label");
    if (label) label.textContent = "step " + step + " / " + S.max + (S.live ? " (live)" : "");
    var scrub = document.getElementById("dl-scrub");
    if (scrub) { scrub.max = String(S.max); scrub.value = String(step); }
    var play = document.getElementById("dl-play");
    if (play) play.textContent = S.playing ? "❚❚ Pause" : "▶ Play";
  }
  function publishStep() {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      try { window.dash_clientside.set_props("dl-step", {data: curStep()}); } catch (e) { /* page not ready */ }
    }
  }
  function setStep(step) {
    S.step = Math.max(0, Math.min(S.max, Math.round(step)));
    S.atEnd = S.step >= S.max;
    applyStep();
  }
  function play() {
    if (curStep() >= S.max) S.step = 0;
    S.playing = true; S.last = 0; S.acc = 0; updateBar();
  }
  function pause() { S.playing = false; updateBar(); publishStep(); }
  S.play = play; S.pause = pause; S.setStep = setStep; S.applyStep = applyStep;

  function loop(ts) {
    if (S.playing) {
      var dt = S.last ? Math.min(ts - S.last, 100) : 16.667;
      S.last = ts; S.acc += S.speed * dt / 16.667;
      var adv = Math.floor(S.acc);
      if (adv >= 1) {
        S.acc -= adv; S.step = Math.min(curStep() + adv, S.max); S.atEnd = S.step >= S.max;
        applyStep(); S.frames++;
      }
      if (S.step >= S.max && !S.live) pause();
    }
    bindCameraSync();
    window.requestAnimationFrame(loop);
  }
  window.requestAnimationFrame(loop);

  function bindCameraSync() {
    var g = gd("dl-surface");
    if (!g || g._dlBound || !g.on) return;
    g._dlBound = true;
    g.on("plotly_relayout", function (ev) {
      if (S.syncing) return;
      var key = Object.keys(ev).filter(function (k) { return /^scene\d*\.camera$/.test(k); })[0];
      if (!key) return;
      var upd = {};
      Object.keys(g._fullLayout || {}).forEach(function (k) {
        if (/^scene\d*$/.test(k) && k + ".camera" !== key) upd[k + ".camera"] = ev[key];
      });
      if (!Object.keys(upd).length) return;
      S.syncing = true;
      window.Plotly.relayout(g, upd).then(function () { S.syncing = false; }, function () { S.syncing = false; });
    });
  }

  function onClick(e) {
    var t = e.target.closest && e.target.closest("button");
    if (!t) return;
    if (t.id === "dl-play") { S.playing ? pause() : play(); }
    else if (t.id === "dl-back") { pause(); setStep(curStep() - 1); publishStep(); }
    else if (t.id === "dl-forward") { pause(); setStep(curStep() + 1); publishStep(); }
    else if (t.id === "dl-reset") { S.playing = false; setStep(0); publishStep(); }
    else if (t.id === "dl-speed") {
      S.speed = SPEEDS[(SPEEDS.indexOf(S.speed) + 1) % SPEEDS.length];
      t.textContent = "speed ×" + S.speed;
    }
  }
  function onInput(e) {
    if (e.target && e.target.id === "dl-scrub") { S.playing = false; setStep(+e.target.value); }
  }
  function onChange(e) { if (e.target && e.target.id === "dl-scrub") publishStep(); }
  function onKey(e) {
    var tag = (e.target && e.target.tagName || "").toLowerCase();
    if (tag === "input" && e.target.type !== "range" || tag === "textarea" || tag === "select" ||
        (e.target && e.target.isContentEditable)) return;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); S.playing ? pause() : play(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); pause(); setStep(curStep() + (e.shiftKey ? 10 : 1)); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); pause(); setStep(curStep() - (e.shiftKey ? 10 : 1)); }
    else if (e.key === "Home") { pause(); setStep(0); }
    else if (e.key === "End") { pause(); setStep(S.max); }
  }
  document.addEventListener("click", onClick);
  document.addEventListener("input", onInput);
  document.addEventListener("change", onChange);
  document.addEventListener("keydown", onKey);

  /* ------------------------------------------------------------------ clientside callbacks */
  function fmt(v) { return String(Number(Number(v).toPrecision(4))); }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    descent: {
      draw: function (traj) {
        var figs = Array.prototype.slice.call(arguments, 1);
        var nu = window.dash_clientside.no_update;
        if (!traj || !traj.runs) return figs.map(function () { return nu; });
        S.runs = traj.runs.map(decodeRun);
        S.data = traj.data || null;
        S.live = !!traj.live;
        var max = 0;
        S.runs.forEach(function (r) { if (r.k.length) max = Math.max(max, r.k[r.k.length - 1]); });
        S.max = max;
        if (S.live || S.atEnd || S.step === null || S.step > max) { S.step = max; S.atEnd = true; }
        updateBar();
        return figs.map(function (f) { return f && f.data && f.data.length ? fillFigure(f, curStep()) : nu; });
      },
      syncHyper: function (slider, box, min) {
        var nu = window.dash_clientside.no_update;
        var trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        var isLog = min < 0;  // log sliders run over log10 of a range below 1 (η, ε)
        if (trig.indexOf('"hp-slider"') >= 0) {
          if (slider === null || slider === undefined) return [nu, nu];
          return [nu, fmt(isLog ? Math.pow(10, slider) : slider)];
        }
        var v = parseFloat(box);
        if (!isFinite(v) || String(box).trim() === "" || isNaN(Number(String(box).trim()))) return [nu, nu];
        if (isLog) { if (v <= 0) return [nu, nu]; return [Math.log10(v), nu]; }
        return [v, nu];
      }
    }
  });
})();
