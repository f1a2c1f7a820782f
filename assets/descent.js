/* Descent Lab: client-side drawing and playback (no server request while playing or scrubbing).
 *
 * draw(traj, ...figures): clientside callback; decodes the trajectory payload (layouts/figures/codec.py:
 * pack/unpack). New figures from the server (problem / view / optimizer list changed) come filled; a
 * payload Patch (one hyperparameter changed) never re-plots a figure: only the changed runs' traces are
 * touched, as below.
 *
 * Drawing without re-plotting. A Plotly restyle of a scatter trace recomputes the whole graph (the
 * contour, the 3-D surface), 30-190 ms each, so nothing that changes per frame goes through Plotly:
 *  - 2-D plots: a trace whose data is stale (the moving parts while playing/scrubbing: `upto`, `cur`,
 *    `fit`; or every trace of a run whose payload just changed) is hidden in Plotly's SVG and drawn on a
 *    <canvas> overlay over the plot, mapped with the axis' own transform (ax._offset + ax.c2p(v)).
 *  - 3-D scenes: every GL redraw repaints the surface (~100 ms with software GL), so while playing the
 *    moving scatter3d objects are hidden once and drawn on the overlay, projected with the scene camera
 *    (cameraParams, dataScale); when settled they are updated in place (gd.data, _fullData and the GL
 *    object; the surface trace is never rebuilt), one GL redraw.
 *  - "settle" (pause, button step, after a payload change): one Plotly.restyle per 2-D graph with only
 *    the stale traces makes the traces exact again and the overlay empties; when paused, the overlay
 *    and the traces agree.
 * window.descentLab exposes the state for tests and benchmarks.
 */
(function () {
  "use strict";
  var Q = 65534;
  // settle order: the 3-D scene first (until settled its old GL paths show under the overlay's new ones)
  var GRAPHS = ["dl-surface", "dl-contour", "dl-loss", "dl-eta", "dl-params", "dl-fit"];
  var MOVING = {upto: true, cur: true, fit: true};  // trace kinds that change with the playback step
  var SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
  var S = {step: null, max: 0, atEnd: true, playing: false, speed: 1, runs: [], raw: [], data: null,
           frames: 0, frameMs: 0, last: 0, acc: 0, live: false, syncing: false, stale: {},
           settleTimer: null, seen: new WeakSet(), drawSeq: 0, drawnAt: 0, paintedAt: 0, settledAt: 0};
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
    out.k = out.k.map(Math.round);  // steps are whole: a quantized block decodes 119 as 118.9993 (D3)
    out.e = out.k.map(function (k) { return k / (run.upe || 1); });  // epochs (figures/codec.py: decode_run)
    return Object.assign({}, run, out);
  }
  function field(run, name) {
    var parts = String(name).split("."), v = run[parts[0]];
    return parts.length > 1 ? (v ? v[+parts[1]] : undefined) : v;
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
    // a trace of the previous view (a new problem's figure is on its way) names series these runs lack: not drawn
    if (!field(run, meta.x) || !field(run, meta.y) || (meta.z && !field(run, meta.z))) return null;
    var out = {x: pick(field(run, meta.x), rows), y: pick(field(run, meta.y), rows, meta.ylog)};
    if (meta.z) out.z = pick(field(run, meta.z), rows, meta.zlog);
    if (meta.c) out.customdata = pick(field(run, meta.c), rows);  // the step of each point (epoch axis)
    if (meta.legend) out.name = run.label + (meta.suffix || "");
    if (meta.pin && out.x.length) pin(meta, run, out);
    return out;
  }
  /* A divergence marker outside the view box is pinned to its edge and (2-D) an arrow points the way the
   * run went (figures/traces.py: _pin, same rules); the map's list names the diverged runs (divNote). */
  function pin(meta, run, out) {
    var keys = ["x", "y", "z"], moved = [];
    meta.pin.forEach(function (box, d) {
      var v = out[keys[d]][0], c = v === null ? box[1] : Math.min(Math.max(v, box[0]), box[1]);
      moved.push(v === null ? 1 : (v - c) / (box[1] - box[0]));
      out[keys[d]] = [c];
    });
    var pinned = moved.some(function (m) { return m !== 0; }), mx = moved[0], my = moved[1];
    if (meta.arrow) {
      out["marker.symbol"] = [pinned && (mx || my) ? "arrow" : "x"];
      out["marker.angle"] = [pinned && (mx || my) ? Math.round(Math.atan2(mx, my) * 180 / Math.PI) : 0];
    }
  }
  /* The list naming a 2-D plot's diverged runs (figures/traces.py: divergence_note, same text and corner): one block of
   * text, so labels of runs that diverged close together never overlap (D9). Rewritten when runs change. */
  var CORNERS = [[0, 1], [1, 1], [0, 0], [1, 0]], DIV_LINES = 6;
  function divEnd(run, meta) {
    if (!meta.pin) return {at: null, left: false};
    var out = [], left = false;
    [meta.x, meta.y].forEach(function (f, d) {
      var vals = field(run, f) || [null], v = vals[vals.length - 1], lo = meta.pin[d][0], hi = meta.pin[d][1];
      var c = v === null ? hi : Math.min(Math.max(v, lo), hi);
      left = left || v === null || c !== v;
      out.push((c - lo) / (hi - lo));
    });
    return {at: out, left: left};
  }
  function divNote(only, meta) {
    var lines = [], points = [], picked = [];
    S.runs.forEach(function (r, j) { if ((only === null || j === only) && r.div >= 0) picked.push(j); });
    picked.forEach(function (j) {
      var r = S.runs[j], e = divEnd(r, meta), words = (e.left ? "\u2192" : "at") + " step " + r.div;
      if (e.at) points.push(e.at);
      if (only !== null) lines.push("diverged", words);  // two short lines: a panel is narrow
      else if (lines.length < DIV_LINES) lines.push('<span style="color:' + r.color + '">\u2715</span> ' + r.label + " " + words);
    });
    if (only === null && lines.length) {
      var more = picked.length - lines.length;
      lines = ["<b>diverged</b>"].concat(lines, more > 0 ? ["\u2026 and " + more + " more (see the table)"] : []);
    }
    var best = meta.pin ? CORNERS[0] : [1, 1], room = -1;
    if (meta.pin) CORNERS.forEach(function (c) {
      var m = points.reduce(function (a, p) { return Math.min(a, Math.max(Math.abs(p[0] - c[0]), Math.abs(p[1] - c[1]))); }, 1);
      if (m > room) { room = m; best = c; }
    });
    return {text: lines.join("<br>") || " ", visible: lines.length > 0, x: best[0], y: best[1],
            xanchor: best[0] === 0 ? "left" : "right", yanchor: best[1] === 1 ? "top" : "bottom"};
  }
  function divNotes(g) {
    var meta = null, upd = {};
    g.data.forEach(function (tr) { if (!meta && tr.meta && tr.meta.at === "div") meta = tr.meta; });
    ((g.layout && g.layout.annotations) || []).forEach(function (a, i) {
      var name = String(a.name || "");
      if (!meta || name.indexOf("dl-div") !== 0) return;
      var note = divNote(name.charAt(6) === ":" ? +name.slice(7) : null, meta);
      Object.keys(note).forEach(function (k) { if (a[k] !== note[k]) upd["annotations[" + i + "]." + k] = note[k]; });
    });
    if (Object.keys(upd).length) window.Plotly.relayout(g, upd);
  }
  function assign(tr, arr) {  // arr keys may be nested ("marker.angle")
    Object.keys(arr).forEach(function (key) {
      var parts = key.split(".");
      if (parts.length === 1) { tr[key] = arr[key]; return; }
      tr[parts[0]] = Object.assign({}, tr[parts[0]]);
      tr[parts[0]][parts[1]] = arr[key];
    });
    return tr;
  }
  function fillFigure(fig, step) {
    var data = fig.data.map(function (tr) {
      if (!tr.meta || tr.meta.run === undefined) return tr;
      var arr = traceArrays(tr.meta, step);
      return arr ? assign(Object.assign({}, tr), arr) : tr;
    });
    return Object.assign({}, fig, {data: data});
  }
  function curStep() { return S.step === null ? S.max : S.step; }

  /* ------------------------------------------------------------------ graphs and staleness */
  function gd(id) { return document.querySelector("#" + id + " .js-plotly-plot") || document.querySelector("#" + id + ".js-plotly-plot"); }
  function ready(g) { return !!(g && g.data && g._fullData && g._fullLayout && window.Plotly); }
  function is3d(g) { return !!(g._fullLayout._has && g._fullLayout._has("gl3d")); }
  function staleOf(id) { return S.stale[id] || (S.stale[id] = {moving: false, runs: {}}); }
  function isStale(st, m) { return !!m && m.run !== undefined && (!!st.runs[m.run] || (st.moving && !!MOVING[m.at])); }
  function staleIdx(g, st) {
    var out = [];
    g.data.forEach(function (tr, i) { if (isStale(st, tr.meta)) out.push(i); });
    return out;
  }
  function markMoving() { GRAPHS.forEach(function (id) { staleOf(id).moving = true; }); }
  function markRuns(runs) { GRAPHS.forEach(function (id) { runs.forEach(function (j) { staleOf(id).runs[j] = true; }); }); }
  function shown(tr) { return tr.visible === undefined || tr.visible === true; }  // not hidden by the legend
  function axis(g, ref, letter) { return g._fullLayout[letter + "axis" + (ref || letter).slice(1)]; }

  /* ------------------------------------------------------------------ 2-D overlay */
  function setHidden(g, idx) {
    var key = idx.join(",");
    if (g._dlHiddenKey === key) return;
    g._dlHiddenKey = key;
    var hide = {};
    idx.forEach(function (i) { hide[i] = true; });
    g.querySelectorAll(".scatterlayer .trace").forEach(function (el) {
      var cd = el.__data__, tr = cd && cd[0] && cd[0].trace;
      if (tr) el.style.display = hide[tr.index] ? "none" : "";
    });
  }
  function canvasFor(g) {
    var box = g.querySelector(".svg-container");
    if (!box) return null;
    var cv = g._dlCanvas;
    if (!cv || cv.parentNode !== box) {
      cv = document.createElement("canvas");
      cv.className = "dl-overlay";
      var under = box.querySelector(".gl-container") || box.querySelector("svg.main-svg");  // above the data
      box.insertBefore(cv, under ? under.nextSibling : box.firstChild);
      g._dlCanvas = cv;
    }
    var w = g._fullLayout.width, h = g._fullLayout.height, dpr = window.devicePixelRatio || 1;
    if (cv._w !== w || cv._h !== h || cv._dpr !== dpr) {
      cv.width = Math.round(w * dpr); cv.height = Math.round(h * dpr);
      cv.style.width = w + "px"; cv.style.height = h + "px";
      cv._w = w; cv._h = h; cv._dpr = dpr; cv._empty = false;
    }
    return cv;
  }
  function paint(g, id, step) {
    if (!ready(g)) return;
    var st = staleOf(id), idx = staleIdx(g, st), three = is3d(g);
    if (three) idx = overGL(g, st, step, idx);
    else setHidden(g, idx);
    var cv = canvasFor(g);
    if (!cv || (!idx.length && cv._empty)) return;
    var ctx = cv.getContext("2d");
    ctx.setTransform(cv._dpr, 0, 0, cv._dpr, 0, 0);
    ctx.clearRect(0, 0, cv._w, cv._h);
    cv._empty = !idx.length;
    g._dlMarks = [];
    idx.forEach(function (i) {
      var fd = g._fullData[i], m = g.data[i].meta;
      if (!fd || !shown(g.data[i])) return;
      if (fd.visible !== true) fd = Object.assign({xaxis: "x", yaxis: "y", scene: "scene"}, g.data[i]);  // was empty
      var arr = traceArrays(m, step);
      if (!arr) return;
      var map = three ? sceneMap(g, fd, arr) : axisMap(g, fd, arr);
      if (map) drawTrace(ctx, fd, arr, map);
      if (m.at === "cur" && arr.x.length) g._dlMarks.push({run: m.run, x: arr.x[0], y: arr.y[0]});
    });
  }
  function px(ax, v) {
    if (v === null || v === undefined) return null;
    var p = ax.c2p(v);
    return isFinite(p) ? ax._offset + Math.max(-1e5, Math.min(1e5, p)) : null;
  }
  function dashOf(dash, w) {
    var d = Math.max(w, 3);
    return {dot: [d, d], dash: [3 * d, 3 * d], longdash: [5 * d, 5 * d], dashdot: [3 * d, d, d, d],
            longdashdot: [5 * d, 2 * d, d, 2 * d]}[dash] || [];
  }
  function at(v, k) { return Array.isArray(v) ? v[k] : v; }
  /* Pixel positions of a trace's points: {X, Y, clip: [x, y, w, h]}. 2-D: the axis' own transform. */
  function axisMap(g, fd, arr) {
    var xa = axis(g, fd.xaxis, "x"), ya = axis(g, fd.yaxis, "y");
    if (!xa || !ya) return null;
    var n = arr.x.length, X = new Array(n), Y = new Array(n);
    for (var k = 0; k < n; k++) { X[k] = px(xa, arr.x[k]); Y[k] = px(ya, arr.y[k]); }
    return {X: X, Y: Y, clip: fd.cliponaxis === false ? null : [xa._offset, ya._offset, xa._length, ya._length]};
  }
  /* 3-D: the scene camera's projection (as Plotly's gl3d hover does), points scaled by the scene's
   * dataScale; drawn over the surface (no occlusion) until the scene is settled. */
  function sceneMap(g, fd, arr) {
    var sc = g._fullLayout[fd.scene] && g._fullLayout[fd.scene]._scene;
    var cp = sc && sc.glplot && sc.glplot.cameraParams;
    if (!cp || !cp.projection) return null;
    var box = sc.container.getBoundingClientRect(), base = g.querySelector(".svg-container").getBoundingClientRect();
    var ox = box.left - base.left, oy = box.top - base.top, w = box.width, h = box.height, ds = sc.dataScale;
    var n = arr.x.length, X = new Array(n), Y = new Array(n), z = arr.z || [];
    for (var k = 0; k < n; k++) {
      if (arr.x[k] === null || arr.y[k] === null || z[k] === null || z[k] === undefined) { X[k] = Y[k] = null; continue; }
      var v = mul(cp.projection, mul(cp.view, mul(cp.model, [arr.x[k] * ds[0], arr.y[k] * ds[1], z[k] * ds[2], 1])));
      if (!(v[3] > 0)) { X[k] = Y[k] = null; continue; }
      X[k] = ox + (0.5 + 0.5 * v[0] / v[3]) * w;
      Y[k] = oy + (0.5 - 0.5 * v[1] / v[3]) * h;
    }
    return {X: X, Y: Y, clip: [ox, oy, w, h], scale: 0.5};
  }
  function mul(m, v) {
    var out = [0, 0, 0, 0];
    for (var i = 0; i < 4; i++) out[i] = m[i] * v[0] + m[4 + i] * v[1] + m[8 + i] * v[2] + m[12 + i] * v[3];
    return out;
  }
  function drawTrace(ctx, fd, arr, map) {
    var mode = fd.mode || "lines", n = arr.x.length, X = map.X, Y = map.Y, k, sc = map.scale || 1;
    ctx.save();
    if (map.clip) { ctx.beginPath(); ctx.rect(map.clip[0], map.clip[1], map.clip[2], map.clip[3]); ctx.clip(); }
    ctx.globalAlpha = fd.opacity === undefined ? 1 : fd.opacity;
    if (mode.indexOf("lines") >= 0 && fd.line) {
      ctx.strokeStyle = fd.line.color; ctx.lineWidth = fd.line.width * sc;
      ctx.setLineDash(dashOf(fd.line.dash, fd.line.width)); ctx.lineJoin = "round"; ctx.lineCap = "round";
      ctx.beginPath();
      var pen = false;
      for (k = 0; k < n; k++) {
        if (X[k] === null || Y[k] === null) { pen = false; continue; }
        if (pen) ctx.lineTo(X[k], Y[k]); else ctx.moveTo(X[k], Y[k]);
        pen = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    if (mode.indexOf("markers") >= 0 && fd.marker) {
      var mk = fd.marker, ml = mk.line || {};
      for (k = 0; k < n; k++) {
        if (X[k] === null || Y[k] === null) continue;
        symbol(ctx, X[k], Y[k], at(arr["marker.symbol"] || mk.symbol, k), at(mk.size, k) * (sc < 1 ? 1.6 : 1), at(mk.color, k),
               at(ml.color, k), at(ml.width, k) || 0, at(arr["marker.angle"] || mk.angle, k) || 0);
      }
    }
    if (mode.indexOf("text") >= 0 && fd.textfont) {
      var tf = fd.textfont, text = arr.text || fd.text;
      ctx.font = at(tf.size, 0) + "px " + at(tf.family, 0);
      ctx.fillStyle = at(tf.color, 0);
      for (k = 0; k < n; k++) {
        if (X[k] === null || Y[k] === null || !at(text, k)) continue;
        var pos = String(at(arr.textposition || fd.textposition, k) || "middle center").split(" ");
        var off = (at(mk && mk.size, k) || 8) / 2 + 3;
        ctx.textAlign = pos[1] === "left" ? "right" : pos[1] === "right" ? "left" : "center";
        ctx.textBaseline = pos[0] === "top" ? "bottom" : pos[0] === "bottom" ? "top" : "middle";
        ctx.fillText(at(text, k), X[k] + (pos[1] === "left" ? -off : pos[1] === "right" ? off : 0),
                     Y[k] + (pos[0] === "top" ? -off : pos[0] === "bottom" ? off : 0));
      }
    }
    ctx.restore();
  }
  function symbol(ctx, x, y, sym, size, fill, lc, lw, angle) {
    var r = (size || 6) / 2, s = String(sym || "circle");
    ctx.save();
    ctx.translate(x, y);
    ctx.rotate(angle * Math.PI / 180);
    ctx.beginPath();
    if (s.indexOf("diamond") === 0) { ctx.moveTo(0, -1.3 * r); ctx.lineTo(1.3 * r, 0); ctx.lineTo(0, 1.3 * r); ctx.lineTo(-1.3 * r, 0); ctx.closePath(); }
    else if (s.indexOf("square") === 0) { ctx.rect(-r, -r, 2 * r, 2 * r); }
    else if (s.indexOf("arrow") === 0) { ctx.moveTo(0, -1.4 * r); ctx.lineTo(r, r); ctx.lineTo(-r, r); ctx.closePath(); }
    else if (s.indexOf("x") === 0) {
      var a = 0.8 * r, b = 0.25 * r;  // an x of two bars
      ctx.moveTo(-a, -a + b); ctx.lineTo(-a + b, -a); ctx.lineTo(0, -b); ctx.lineTo(a - b, -a); ctx.lineTo(a, -a + b);
      ctx.lineTo(b, 0); ctx.lineTo(a, a - b); ctx.lineTo(a - b, a); ctx.lineTo(0, b); ctx.lineTo(-a + b, a);
      ctx.lineTo(-a, a - b); ctx.lineTo(-b, 0); ctx.closePath();
    }
    else ctx.arc(0, 0, r, 0, 2 * Math.PI);
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    if (lw > 0 && lc) { ctx.lineWidth = lw; ctx.strokeStyle = lc; ctx.stroke(); }
    ctx.restore();
  }

  /* ------------------------------------------------------------------ 3-D scenes */
  function glObject(g, fd) {
    var sc = fd && fd.visible === true && g._fullLayout[fd.scene] && g._fullLayout[fd.scene]._scene;
    return sc ? {sc: sc, obj: sc.traces[fd.uid]} : {};
  }
  /* What GL shows of a scene's traces: {hid: indices hidden there, step: the step its paths were written at,
   * behind: the step went back since}. A re-plot writes every trace at the current step, none hidden. */
  function glState(g) {
    if (g._dlGL && g._dlGL.data === g._fullData) return g._dlGL;
    return (g._dlGL = {data: g._fullData, hid: {}, step: curStep(), behind: false});
  }
  /* Every GL redraw repaints the surface (~65 ms in software GL: frames lost), so playing changes nothing in
   * GL: the current-step markers are always drawn on the overlay (hidden in GL also when paused), and the
   * paths so far stay in GL under the overlay's longer ones while the step moves forward from where GL drew
   * them (a prefix of them). They are hidden only when the step went back (a restart, the scrubber).
   * Returns the traces the overlay draws: `idx` (stale) and the markers. */
  function overGL(g, st, step, idx) {
    var gl = glState(g), hid = {}, out = idx.slice();
    if (st.moving && step < gl.step) gl.behind = true;
    g.data.forEach(function (tr, i) {
      var m = tr.meta;
      if (!m || m.run === undefined || !(m.at === "cur" || (m.at === "upto" && st.moving && gl.behind))) return;
      hid[i] = true;
      if (out.indexOf(i) < 0) out.push(i);
    });
    hideGL(g, hid);
    return out;
  }
  function hiddenCopy(fd) { return Object.assign({}, fd, {x: [NaN], y: [NaN], z: [NaN], text: [""], _length: 1}); }
  /* Hide (show) the GL objects of the traces in (out of) `hid`; one GL redraw when the set changed, none when
   * `scenes` is given (the caller redraws them). */
  function hideGL(g, hid, scenes) {
    var gl = glState(g), todo = scenes || [];
    Object.keys(gl.hid).concat(Object.keys(hid)).forEach(function (k) {
      var i = +k, fd = g._fullData[i], o = glObject(g, fd);
      if (!gl.hid[i] === !hid[i] || !o.obj) return;
      o.obj.update(hid[i] ? hiddenCopy(fd) : fd);
      if (todo.indexOf(o.sc) < 0) todo.push(o.sc);
    });
    gl.hid = hid;
    if (!scenes) todo.forEach(function (sc) { sc.glplot.redraw(); });
  }
  /* Make 3-D traces exact in place: gd.data and the GL objects, without re-building the surface (the
   * markers stay hidden in GL: the overlay draws them). */
  function write3d(g, idx, step) {
    var scenes = [], missing = [], upd = [], gl = glState(g), hid = {};
    g.data.forEach(function (tr, i) { if (tr.meta && tr.meta.run !== undefined && tr.meta.at === "cur") hid[i] = true; });
    idx.forEach(function (i) {
      var arr = traceArrays(g.data[i].meta, step);
      if (!arr) return;
      assign(g.data[i], arr);
      var fd = g._fullData[i], o = glObject(g, fd);
      if (!o.obj) { if (shown(g.data[i]) && arr.x.length) { missing.push(i); upd.push(arr); } return; }
      assign(fd, arr);
      fd._length = arr.x.length;
      if (!gl.hid[i]) o.obj.update(fd);
      if (scenes.indexOf(o.sc) < 0) scenes.push(o.sc);
    });
    hideGL(g, hid, scenes);  // the paths hidden while the step went back are shown again
    gl.step = step; gl.behind = false;
    scenes.forEach(function (sc) { sc.glplot.redraw(); });
    if (missing.length) restyle(g, missing, upd);  // a trace that was empty has no GL object yet
  }
  function restyle(g, idx, arrs) {
    var upd = {};
    arrs.forEach(function (arr, n) {
      Object.keys(arr).forEach(function (key) { (upd[key] = upd[key] || new Array(arrs.length))[n] = arr[key]; });
    });
    window.Plotly.restyle(g, upd, idx);
  }

  /* ------------------------------------------------------------------ render / settle */
  function render() {
    var t0 = performance.now(), step = curStep();
    GRAPHS.forEach(function (id) { paint(gd(id), id, step); });
    updateBar();
    S.frameMs = performance.now() - t0;
  }
  function settleGraph(id) {
    var g = gd(id);
    if (!ready(g)) return;
    var st = staleOf(id), step = curStep(), idx = staleIdx(g, st);
    st.moving = false; st.runs = {};
    if (!idx.length) { paint(g, id, step); return; }
    if (is3d(g)) { write3d(g, idx, step); paint(g, id, step); return; }
    var keep = [], arrs = [];
    idx.forEach(function (i) { var arr = traceArrays(g.data[i].meta, step); if (arr) { keep.push(i); arrs.push(arr); } });
    if (keep.length) restyle(g, keep, arrs);
    divNotes(g);
    paint(g, id, step);  // nothing stale: unhides the traces, empties the overlay
  }
  function settleAll() {
    if (S.settleTimer) { clearTimeout(S.settleTimer); S.settleTimer = null; }
    GRAPHS.forEach(settleGraph);
    S.settledAt = performance.now();
  }
  function pending() {
    return GRAPHS.filter(function (id) { var g = gd(id); return ready(g) && staleIdx(g, staleOf(id)).length; });
  }
  /* One graph per task, so the page stays responsive; throttled (not reset by later calls) unless
   * `restart` (keyboard stepping: settle once the keys stop). */
  function scheduleSettle(delay, restart) {
    if (S.settleTimer && !restart) return;
    if (S.settleTimer) clearTimeout(S.settleTimer);
    S.settleTimer = setTimeout(function next() {
      S.settleTimer = null;
      if (S.playing) return;  // pause() schedules again
      var todo = pending();
      if (!todo.length) { S.settledAt = performance.now(); return; }
      settleGraph(todo[0]);
      S.settleTimer = setTimeout(next, 0);
    }, delay);
  }
  S.marks = function (id) { var g = gd(id); return (g && g._dlMarks) || []; };
  S.pending = pending;

  /* ------------------------------------------------------------------ playback */
  function updateBar() {
    var step = curStep();
    // written only when changed: a rewritten text is a DOM mutation (a11y.js re-scans the page on one)
    var label = document.getElementById("dl-step-label");
    setText(label, "step " + step + " / " + S.max + (S.live ? " (live)" : ""));
    var scrub = document.getElementById("dl-scrub");
    if (scrub && scrub.max !== String(S.max)) scrub.max = String(S.max);
    if (scrub && scrub.value !== String(step)) scrub.value = String(step);
    setText(document.getElementById("dl-play"), S.playing ? "❚❚ Pause" : "▶ Play");
  }
  function setText(el, text) { if (el && el.textContent !== text) el.textContent = text; }
  function publishStep() {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      try { window.dash_clientside.set_props("dl-step", {data: curStep()}); } catch (e) { /* page not ready */ }
    }
  }
  /* how: "now" (a button: traces exact before returning), "keys" (settle once the keys stop),
   * "drag" (the scrubber: settle on release) */
  function setStep(step, how) {
    S.step = Math.max(0, Math.min(S.max, Math.round(step)));
    S.atEnd = S.step >= S.max;
    markMoving();
    if (how === "now" || how === undefined) { settleAll(); updateBar(); }
    else { render(); if (how === "keys") scheduleSettle(250, true); }
  }
  function play() {
    if (curStep() >= S.max) S.step = 0;
    S.playing = true; S.last = 0; S.acc = 0; updateBar();
  }
  function pause() { S.playing = false; updateBar(); publishStep(); scheduleSettle(0, true); }
  S.play = play; S.pause = pause; S.setStep = setStep; S.settle = settleAll; S.render = render;

  function loop(ts) {
    window.requestAnimationFrame(loop);
    if (S.playing) {
      var dt = S.last ? Math.min(ts - S.last, 100) : 16.667;
      S.last = ts; S.acc += S.speed * dt / 16.667;
      var adv = Math.floor(S.acc + 0.25);  // tolerate frame-time jitter: one step per frame at speed 1
      if (adv >= 1) {
        S.acc -= adv; S.step = Math.min(curStep() + adv, S.max); S.atEnd = S.step >= S.max;
        markMoving(); render(); S.frames++;
      }
      if (S.step >= S.max && !S.live) pause();
    }
    bindGraphs();
  }
  window.requestAnimationFrame(loop);

  /* Re-draw the overlay whenever Plotly re-draws or re-maps a graph (react, resize, zoom, pan). */
  function bindGraphs() {
    GRAPHS.forEach(function (id) {
      var g = gd(id);
      if (!g || g._dlBound || !g.on) return;
      g._dlBound = true;
      var repaint = function () { g._dlHiddenKey = null; if (ready(g)) paint(g, id, curStep()); };
      g.on("plotly_afterplot", repaint);
      g.on("plotly_relayout", repaint);
      if (id !== "dl-surface") return;
      g.on("plotly_relayout", function (ev) { syncCameras(g, ev); });
      // the overlay's markers follow a camera being dragged (GL moves them at its next frame)
      g.on("plotly_relayouting", function () { window.requestAnimationFrame(repaint); });
    });
  }
  function syncCameras(g, ev) {
    if (S.syncing) return;
    var key = Object.keys(ev).filter(function (k) { return /^scene\d*\.camera$/.test(k); })[0];
    if (!key) return;
    var upd = {};
    Object.keys(g._fullLayout || {}).forEach(function (k) {
      // the dragged scene too: a relayout of the others redraws it from its layout camera (it snapped back)
      if (/^scene\d*$/.test(k)) upd[k + ".camera"] = ev[key];
    });
    if (!Object.keys(upd).length) return;
    S.syncing = true;
    window.Plotly.relayout(g, upd).then(function () { S.syncing = false; }, function () { S.syncing = false; });
  }

  function onClick(e) {
    var t = e.target.closest && e.target.closest("button");
    if (!t) return;
    if (t.id === "dl-play") { S.playing ? pause() : play(); }
    else if (t.id === "dl-back") { pause(); setStep(curStep() - 1, "now"); }
    else if (t.id === "dl-forward") { pause(); setStep(curStep() + 1, "now"); }
    else if (t.id === "dl-reset") { pause(); setStep(0, "now"); publishStep(); }
    else if (t.id === "dl-speed") {
      S.speed = SPEEDS[(SPEEDS.indexOf(S.speed) + 1) % SPEEDS.length];
      t.textContent = "speed ×" + S.speed;
    }
    if (t.id === "dl-back" || t.id === "dl-forward") publishStep();
  }
  function onInput(e) {
    if (e.target && e.target.id === "dl-scrub") { S.playing = false; setStep(+e.target.value, "drag"); }
  }
  function onChange(e) { if (e.target && e.target.id === "dl-scrub") { publishStep(); scheduleSettle(0, true); } }
  /* A control other than the playback bar has the focus (a slider handle, a box, a button, a picker):
     its keys are its own, so the arrows move the η handle without also stepping the playback. */
  var CONTROLS = "input, textarea, select, button, a[href], summary, [contenteditable=''], [contenteditable=true]," +
                 " [role=slider], [role=combobox], [role=listbox], [role=option], [role=radio], [role=checkbox]," +
                 " [role=switch], [role=spinbutton], [role=menuitem], [role=tab], [role=region][tabindex]";  // a scrolled table
  function controlHasFocus(t) {
    if (!t || t === document.body || t === document.documentElement || !t.closest) return false;
    if (t.closest(".dl-playbar")) return false;  // the playback bar's own buttons and scrub keep the keys
    return !!t.closest(CONTROLS);
  }
  window.dlControlHasFocus = controlHasFocus;
  function onKey(e) {
    if (controlHasFocus(e.target)) return;
    var by = e.shiftKey ? 10 : 1;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); S.playing ? pause() : play(); return; }
    var to = {ArrowRight: curStep() + by, ArrowLeft: curStep() - by, Home: 0, End: S.max}[e.key];
    if (to === undefined) return;
    e.preventDefault();
    pause();
    setStep(to, "keys");
    publishStep();
  }
  document.addEventListener("click", onClick);
  document.addEventListener("input", onInput);
  document.addEventListener("change", onChange);
  document.addEventListener("keydown", onKey);

  /* ------------------------------------------------------------------ live drag
   * While a slider's handle moves (its drag_value), the dragged value's runs are fetched for one optimizer
   * (layouts/callbacks.py: drag) and drawn on the overlay, never through Plotly. A gate per optimizer keeps
   * one request in flight; the newest value waits in `queue` and goes when the reply comes, so the rate is
   * what the server sustains. Each request carries a sequence number: a reply older than one already drawn
   * is dropped. The request is posted to the drag callback from here (the body Dash's renderer would send),
   * so neither it nor its reply waits behind the renderer's work for the rest of the page. On release the
   * slider's value goes through `tune` (SETTINGS, TRAJ) as a typed value does, and one last drag request for
   * the released value draws it first, after one small round trip. */
  S.gates = {}; S.dragSent = 0; S.dragDrawn = 0; S.dragDropped = 0; S.dragAt = 0;
  var GATE_MS = 3000;  // a reply lost for this long frees the gate
  function gate(opt) { return S.gates[opt] || (S.gates[opt] = {seq: 0, applied: 0, busy: 0, queue: null, last: null}); }
  function trigId() {
    var t = (window.dash_clientside.callback_context.triggered || [])[0] || {}, p = t.prop_id || "";
    try { return {id: JSON.parse(p.slice(0, p.lastIndexOf("."))), value: t.value}; } catch (e) { return {}; }
  }
  function updateUrl() {
    var cfg = {};
    try { cfg = JSON.parse(document.getElementById("_dash-config").textContent); } catch (e) { /* default */ }
    return (cfg.requests_pathname_prefix || "/") + "_dash-update-component";
  }
  function post(opt, req, settings) {
    var g = gate(opt), drag = {opt: opt, type: "drag"};
    g.busy = performance.now(); g.queue = null; S.dragSent++;
    var body = {output: '{"opt":["MATCH"],"type":"dragged"}.data', outputs: {id: {opt: opt, type: "dragged"}, property: "data"},
                inputs: [{id: drag, property: "data", value: req}], changedPropIds: [JSON.stringify(drag) + ".data"],
                state: [{id: "dl-settings", property: "data", value: settings}]};
    window.fetch(updateUrl(), {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.status === 200 ? r.json() : null; })
      .then(function (j) {
        var out = j && j.response && j.response[JSON.stringify({opt: opt, type: "dragged"})];
        received(opt, out ? out.data : null);
      }, function () { received(opt, null); });
  }
  function dragReq(opt, name, pos, settings) {
    var g = gate(opt);
    if (S.live || typeof pos !== "number" || !isFinite(pos) || (g.last && g.last.name === name && g.last.pos === pos)) return;
    var req = {name: name, pos: pos, seq: ++g.seq};
    g.last = req; g.settings = settings;
    if (g.busy && performance.now() - g.busy < GATE_MS) g.queue = req;
    else post(opt, req, settings);
  }
  /* A reply: drawn if newer than every reply drawn so far; then the queued value (if any) goes. */
  function received(opt, res) {
    var g = gate(opt);
    g.busy = 0;
    if (res && typeof res.seq === "number" && res.seq > g.applied && Array.isArray(res.runs)) {
      g.applied = res.seq;
      applyRuns(res.runs);
      if (!g.holding && !S.playing) scheduleSettle(300, true);  // released: TRAJ follows (draw settles sooner)
    } else S.dragDropped++;
    if (g.queue) post(opt, g.queue, g.settings);
    else if (g.box) afterPaint(flushBox.bind(null, g));
  }
  /* The released value reaches the box (and so `tune`: SETTINGS, TRAJ) once its path is painted: the page's
   * other callbacks then do not compete with the drag reply for the server and the main thread. */
  function flushBox(g) {
    var box = g.box;
    g.box = null;
    if (box && window.dash_clientside.set_props) window.dash_clientside.set_props(box.id, {value: box.text});
  }
  S.received = received;
  function applyRuns(runs) {
    var changed = [];
    runs.forEach(function (pair) {
      var j = pair[0];
      if (typeof j === "number" && j >= 0 && j < S.runs.length) { S.runs[j] = decodeRun(pair[1]); changed.push(j); }
    });
    if (!changed.length) return;
    markRuns(changed);
    render();
    markShown();
    S.dragDrawn++; S.dragAt = performance.now();
  }
  /* S.shownAt: the frame after the one that painted the newest paths (from a drag reply or TRAJ) */
  S.shownSeq = 0; S.shownAt = 0;
  function markShown() {
    var seq = ++S.shownSeq;
    afterPaint(function () { if (seq === S.shownSeq) S.shownAt = performance.now(); });
  }
  var dragCallbacks = {
    dragGate: function (dragValues, values, settings) {
      var t = trigId(), cc = window.dash_clientside.callback_context, k = -1, nu = window.dash_clientside.no_update;
      if (!t.id || typeof t.id.opt !== "number") return nu;
      ((cc.inputs_list || [])[0] || []).forEach(function (x, n) { if (x.id && x.id.name === t.id.name) k = n; });
      if (k >= 0 && values[k] === t.value) return nu;  // mounted, or released
      gate(t.id.opt).holding = true;
      dragReq(t.id.opt, t.id.name, t.value, settings);
      return nu;
    }
  };
  /* The slider was released at `pos` (or moved by a key): one drag request for exactly this value; the box
   * gets `text` when its reply is painted (or at once if nothing was sent). True if the box waits. */
  function released(opt, name, pos, settings, text) {
    var g = gate(opt), seq = g.seq;
    g.holding = false;
    if (settings) dragReq(opt, name, pos, settings);
    if (g.seq === seq && !g.busy) return false;
    g.box = {id: {type: "hp-box", opt: opt, name: name}, text: text};
    setTimeout(function () { if (g.box && g.box.text === text) flushBox(g); }, GATE_MS);
    return true;
  }

  /* ------------------------------------------------------------------ clientside callbacks */
  var FIG_IDS = ["dl-surface", "dl-contour", "dl-loss", "dl-eta", "dl-params", "dl-fit"];  // ids.FIGURES order
  /* fn runs at the start of the frame after the one that showed the overlay (so it was painted) */
  function afterPaint(fn) { window.requestAnimationFrame(function () { window.requestAnimationFrame(fn); }); }
  function fmt(v) { return String(Number(Number(v).toPrecision(4))); }
  /* A slider position as the box shows it, and back (optimizers/hyper.py: Hyper.slider_text and slider_position,
   * same rules): log10 of η, ε; u = -log10(1 - β) for β₂-like values, 3 significant digits of 1 - β kept, a
   * position within 0.015 of a mark (0.9 … 0.9999) taken as the mark (NEAR_ONE_SNAP). */
  function sliderText(pos, scale) {
    if (scale !== "near1") return fmt(scale === "log" ? Math.pow(10, pos) : pos);
    if (Math.round(pos) >= 1 && Math.round(pos) <= 4 && Math.abs(pos - Math.round(pos)) <= 0.015) pos = Math.round(pos);
    var gap = Number(Math.pow(10, -pos).toPrecision(3));
    if (!(gap > 0)) return "1";
    return String(Number((1 - gap).toFixed(Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(gap)))))));
  }
  function sliderPos(v, scale) {
    if (scale === "linear") return v;
    var at = scale === "log" ? (v > 0 ? Math.log10(v) : NaN) : (v < 1 ? -Math.log10(1 - v) : NaN);
    return Math.round(at * 1e6) / 1e6;
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    descent: Object.assign(dragCallbacks, {
      /* New figure objects (from the server) are filled for the current step; for figures already
       * drawn only the runs whose payload changed are redrawn: overlay now, traces at the next settle. */
      draw: function (traj) {
        var figs = Array.prototype.slice.call(arguments, 1);
        var nu = window.dash_clientside.no_update;
        if (!traj || !traj.runs) return figs.map(function () { return nu; });
        var t0 = performance.now();
        var raw = traj.runs.map(function (r) { return JSON.stringify(r); }), changed = [];
        raw.forEach(function (s, j) { if (s !== S.raw[j]) changed.push(j); });
        S.raw = raw;
        S.runs = traj.runs.map(decodeRun);
        S.data = traj.data || null;
        S.live = !!traj.live;
        var max = 0;
        S.runs.forEach(function (r) { if (r.k.length) max = Math.max(max, r.k[r.k.length - 1]); });
        S.max = max;
        if (S.live || S.atEnd || S.step === null || S.step > max) { S.step = max; S.atEnd = true; }
        var step = curStep();
        var out = figs.map(function (f, n) {
          var id = FIG_IDS[n];
          if (!f || !f.data || !f.data.length) return nu;
          if (S.seen.has(f)) {
            changed.forEach(function (j) { staleOf(id).runs[j] = true; });
            return nu;
          }
          S.seen.add(f);
          S.stale[id] = {moving: false, runs: {}};
          if (step === max) return nu;  // the server filled it at the last step
          var filled = fillFigure(f, step);
          S.seen.add(filled);
          return filled;
        });
        if (S.live) settleGraph("dl-surface");  // streaming: no old-and-new overlap in the 3-D scene
        render();
        markShown();
        S.drawSeq++;
        S.drawMs = performance.now() - t0;
        S.drawnAt = performance.now();
        var seq = S.drawSeq;
        afterPaint(function () {
          if (seq === S.drawSeq) S.paintedAt = performance.now();
          if (!S.playing) scheduleSettle(S.live ? 600 : 0, !S.live);
        });
        return out;
      },
      /* The first view's 3-D surface, once the contour map has painted its paths (or after 3 s); kept out
       * if the graph was filled meanwhile (a link, a scenario). Filled for the current step like a new figure. */
      surfaceLater: function (fig, now) {
        var nu = window.dash_clientside.no_update, t0 = performance.now();
        if (!fig || !fig.data) return nu;
        return new Promise(function (resolve) {
          (function wait() {
            var line = document.querySelector("#dl-contour .scatterlayer .trace path.js-line");
            if (!(line && (line.getAttribute("d") || "").length > 20) && performance.now() - t0 < 3000) {
              window.requestAnimationFrame(wait); return;
            }
            var g = gd("dl-surface");
            if ((g && g.data && g.data.length) || (now && now.data && now.data.length)) { resolve(nu); return; }
            var out = S.runs.length ? fillFigure(fig, curStep()) : fig;
            if (S.runs.length) S.seen.add(out);
            afterPaint(function () { resolve(out); });
          })();
        });
      },
      syncHyper: function (slider, box, min, max, settings, cls) {
        var nu = window.dash_clientside.no_update;
        var trig = (window.dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        var scale = (/dl-scale-(log|near1)/.exec(cls || "") || [0, "linear"])[1];  // optimizers/hyper.py: slider_scale
        if (trig.indexOf('"hp-slider"') >= 0) {
          if (slider === null || slider === undefined) return [nu, nu];
          var t = trigId();
          var text = sliderText(slider, scale), at = sliderPos(Number(text), scale);
          var onMark = scale === "near1" && at === Math.round(at) && at !== slider ? at : nu;  // beside a mark: onto it
          if (t.id && typeof t.id.opt === "number" && released(t.id.opt, t.id.name, slider, settings, text)) return [onMark, nu];
          return [onMark, text];
        }
        var v = parseFloat(box);
        if (!isFinite(v) || String(box).trim() === "" || isNaN(Number(String(box).trim()))) return [nu, nu];
        var at = sliderPos(v, scale);
        if (!(at >= min && at <= max)) return [nu, nu];  // refused (the server says why): the slider stays
        return [at, nu];
      }
    })
  });
})();
