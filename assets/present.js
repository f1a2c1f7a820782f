// Presentation mode's plot text: every label of every shown plot at PRESENT_PX (readable from the back of a
// lecture hall). The figures keep the page template's 14–16 px; in presentation mode each plot is relaid out
// with the larger sizes (Plotly measures margins and ticks with them, which CSS could not), after every
// redraw Dash makes while the mode is on, and back to the figure's own sizes when it is left.
// window.dlPresent(on) is called by the Presentation button's clientside callback (layouts/scenario_ui.py).
(function () {
  "use strict";
  var PRESENT_PX = 20;

  function get(obj, path) {
    return path.split(".").reduce(function (o, k) {
      if (o === undefined || o === null) return undefined;
      var m = /^(\w+)\[(\d+)\]$/.exec(k);
      return m ? (o[m[1]] || [])[+m[2]] : o[k];
    }, obj);
  }

  function logTicks(gd, k) {
    // a log axis over a few decades labels 2 … 9 between them in 75 % type: ticks at 1, 2, 4, 8 … (every
    // log10 2) or at each decade are full-size numbers instead
    var ax = gd._fullLayout && gd._fullLayout[k];
    if (!ax || ax.type !== "log" || !ax.range) return null;
    var span = Math.abs(ax.range[1] - ax.range[0]);
    return span < 3 ? Math.log10(2) : span < 8 ? 1 : null;
  }

  function layoutValues(L, gd) {
    // {attribute: value in presentation}: every font size; fewer 3-D ticks (20 px labels would collide);
    // 2-D axes grow their margins to fit the larger tick labels
    var out = {"font.size": PRESENT_PX, "legend.font.size": PRESENT_PX, "hoverlabel.font.size": PRESENT_PX};
    if (L.title && L.title.text) out["title.font.size"] = PRESENT_PX;
    Object.keys(L).forEach(function (k) {
      if (/^[xy]axis\d*$/.test(k)) {
        out[k + ".title.font.size"] = out[k + ".tickfont.size"] = PRESENT_PX;
        out[k + ".automargin"] = true;
        if (logTicks(gd, k)) out[k + ".dtick"] = logTicks(gd, k);
      }
      if (/^scene\d*$/.test(k)) ["xaxis", "yaxis", "zaxis"].forEach(function (a) {
        out[k + "." + a + ".title.font.size"] = out[k + "." + a + ".tickfont.size"] = PRESENT_PX;
        out[k + "." + a + ".nticks"] = 4;
      });
    });
    (L.annotations || []).forEach(function (_, i) { out["annotations[" + i + "].font.size"] = PRESENT_PX; });
    return out;
  }

  function traceKeys(tr) {
    var keys = [];
    if (tr.text && tr.mode && tr.mode.indexOf("text") >= 0) keys.push("textfont.size");
    if (tr.type === "contour" || tr.type === "surface" || tr.type === "heatmap") {
      if (tr.showscale !== false) keys.push("colorbar.tickfont.size", "colorbar.title.font.size");
    }
    return keys;
  }

  function apply(gd, on) {
    if (!gd.layout || !gd.data || !window.Plotly) return;
    var big = gd.__dlPresent;
    if (on && big && get(gd.layout, "font.size") === PRESENT_PX) return;  // already large (our own relayout)
    if (!on && !big) return;
    var lay = {}, traces = {};
    if (on) {
      big = gd.__dlPresent = {lay: {}, traces: {}};
      lay = layoutValues(gd.layout, gd);
      Object.keys(lay).forEach(function (k) {
        big.lay[k] = get(gd.layout, k) === undefined ? null : get(gd.layout, k);
      });
      gd.data.forEach(function (tr, i) {
        traceKeys(tr).forEach(function (k) {
          (big.traces[k] = big.traces[k] || {})[i] = get(tr, k) === undefined ? null : get(tr, k);
          (traces[k] = traces[k] || {})[i] = PRESENT_PX;
        });
      });
    } else {
      lay = big.lay;
      traces = big.traces;
      gd.__dlPresent = null;
    }
    Object.keys(traces).forEach(function (k) {
      var idx = Object.keys(traces[k]).map(Number);
      var upd = {};
      upd[k] = idx.map(function (i) { return traces[k][i]; });
      window.Plotly.restyle(gd, upd, idx);
    });
    window.Plotly.relayout(gd, lay);
  }

  function hook(gd) {
    if (gd.__dlPresentHook || !gd.on) return;
    gd.__dlPresentHook = true;
    gd.on("plotly_afterplot", function () {
      // Dash drew a new figure (its own sizes) while the mode is on: make it large again
      if (document.body.classList.contains("dl-present") && get(gd.layout, "font.size") !== PRESENT_PX) {
        gd.__dlPresent = null;
        setTimeout(function () { apply(gd, true); }, 0);
      }
    });
  }

  window.dlPresent = function (on) {
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      hook(gd);
      if (!on || gd.offsetParent !== null) apply(gd, on);
    });
  };
})();
