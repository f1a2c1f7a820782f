// Accessible names for the controls Dash renders without one. dcc.Slider (its thumb), dcc.RadioItems and
// dcc.Checklist (role=listbox), dcc.Input and dcc.Dropdown take no aria-* props, so each unnamed control
// is named here from the label the page shows beside it (the nearest preceding .dl-label, label or
// .dl-*-label in its row), plus " of optimizer N (name)" inside an optimizer's panel ([data-a11y-of]).
// A dropdown is named "label: value" (aria-labelledby keeps Dash's own value element). Radio and check lists
// get the roles their native inputs already imply (radiogroup / group, options without role=option). A
// dropdown's Tab stop is its button, its open list is named as it; a card whose table scrolls sideways is a
// focusable region.
// Runs again whenever Dash re-renders a part of the page. tests/browser/test_a11y.py checks the result.
(function () {
  "use strict";
  var LABELS = "label:not(.dash-options-list-option), .dl-label, .dl-share-label, .dl-an-label";
  var CONTROLS = "[role=slider], [role=listbox], [role=radiogroup], [role=group].dash-options-list, " +
                 "input.dash-input-element, button.dash-dropdown, input[type=file]";
  var ROWS = ".dl-row, .dl-head, .dl-share-group, .dl-an-field, .dl-inline, .dl-guess-inputs, .dl-playbar";
  var OUTER = "body, .dl-main, .dl-sidebar, .dl-header, details, section";
  var SCROLLERS = ".dl-card:has(> div > .dl-table), .dl-card:has(> .dl-table)";
  var SKIP = ".js-plotly-plot, .dl-step-label";  // plot redraws and the playback counter change no control
  var busy = false;

  function hasName(el) {
    if (el.getAttribute("aria-label")) return true;
    if (el.labels && el.labels.length) return Array.prototype.some.call(el.labels, function (l) {
      return l.textContent.trim() !== "";
    });
    return false;
  }

  function text(el) { return (el.textContent || "").replace(/\s+/g, " ").trim(); }

  function labelFor(el) {
    // an enclosing <label> (analysis fields): its own caption
    var wrap = el.parentElement && el.parentElement.closest("label:not(.dash-options-list-option)");
    if (wrap) {
      var cap = wrap.querySelector(".dl-an-label, .dl-label");
      if (cap && text(cap)) return text(cap);
    }
    // else the nearest label before it in its row (never beyond the row: another row's label is not its name)
    for (var box = el.parentElement, up = 0; box && up < 8 && !box.matches(OUTER); up++, box = box.parentElement) {
      var found = null;
      box.querySelectorAll(LABELS).forEach(function (l) {
        if (l.contains(el) || !text(l)) return;
        if (l.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) found = l;
      });
      if (found) return text(found);
      if (box.matches(ROWS)) break;
    }
    return el.getAttribute("name") || "";
  }

  function nameOf(el) {
    // an upload's hidden file input: named as the button the user sees over it
    var label = el.type === "file" ? text(el.parentElement) : labelFor(el);
    if (!label && el.matches("[role=listbox], [role=radiogroup], [role=group]")) label = text(el);
    var owner = el.closest("[data-a11y-of]");
    return label && owner ? label + " of " + owner.getAttribute("data-a11y-of") : label;
  }

  function fixList(el) {
    var radio = el.classList.contains("dash-radioitems");
    if (el.getAttribute("role") === "listbox") el.setAttribute("role", radio ? "radiogroup" : "group");
    el.querySelectorAll(".dash-options-list-option[role=option]").forEach(function (o) {
      o.removeAttribute("role");
      o.removeAttribute("aria-selected");
    });
  }

  // Dash 4 puts a dropdown's Tab stop on a hidden input before its button (Safari leaves buttons out of the Tab
  // order) that hands the focus on to the button: a focusable element under aria-hidden (axe aria-hidden-focus).
  // Here the button is the Tab stop and the input is disabled (its blur handler re-enables only the tabIndex).
  function proxyOf(el) {
    var before = el.previousElementSibling;
    return before && before.classList.contains("dash-dropdown-focus-target") ? before : null;
  }
  function focusOnButton(el) {
    var proxy = proxyOf(el);
    if (proxy && !proxy.disabled) proxy.disabled = true;
    if (el.getAttribute("tabindex") !== "0") el.setAttribute("tabindex", "0");
  }

  // A table wider than its card scrolls sideways (descent.css: .dl-card:has(.dl-table)): a region the keyboard
  // can focus and scroll (axe scrollable-region-focusable), named by the card's heading.
  function fixScroller(card) {
    if (card.getAttribute("tabindex") !== null) return;
    var head = card.querySelector("h3");
    card.setAttribute("tabindex", "0");
    card.setAttribute("role", "region");
    card.setAttribute("aria-label", head ? text(head) : "table");
  }

  function fixDropdown(el) {
    focusOnButton(el);
    var id = el.id;
    if (!id) return;
    var mine = id + "-a11y", refs = (el.getAttribute("aria-labelledby") || "").split(/\s+/);
    var span = document.getElementById(mine);
    var name = nameOf(el);
    if (!name) return;
    if (!span) {
      span = document.createElement("span");
      span.id = mine;
      span.className = "dl-sr-only";
      // before the hidden input: Dash's blur handler sets tabIndex = 0 on the button's previous sibling
      el.parentElement.insertBefore(span, proxyOf(el) || el);
    }
    if (span.textContent !== name + ":") span.textContent = name + ":";
    if (refs[0] !== mine) el.setAttribute("aria-labelledby", [mine].concat(refs.filter(Boolean)).join(" "));
  }

  // An open dropdown's options (a Radix popover, role=dialog, outside the dropdown) are named as their dropdown
  // (axe aria-dialog-name); the trigger button names it in aria-controls.
  function fixPopover(box) {
    if (!box.id || box.getAttribute("aria-label")) return;
    var trigger = document.querySelector("button.dash-dropdown[aria-controls='" + box.id + "']");
    var name = trigger && nameOf(trigger);
    if (name) box.setAttribute("aria-label", name);
  }

  function fix(root) {
    (root || document).querySelectorAll(SCROLLERS).forEach(fixScroller);
    (root || document).querySelectorAll(".dash-dropdown-content[role=dialog]").forEach(fixPopover);
    (root || document).querySelectorAll(CONTROLS).forEach(function (el) {
      if (el.classList.contains("dash-options-list")) fixList(el);
      if (el.matches("button.dash-dropdown")) { fixDropdown(el); return; }
      if (hasName(el) && el.getAttribute("data-dl-named") === null) return;  // named by the page itself
      var name = nameOf(el);
      if (name && el.getAttribute("aria-label") !== name) {
        el.setAttribute("aria-label", name);
        el.setAttribute("data-dl-named", "");
      }
    });
  }

  function run(mutations) {
    if (busy || mutations.every(function (m) { return m.target.closest && m.target.closest(SKIP); })) return;
    busy = true;
    requestAnimationFrame(function () { busy = false; fix(document); });
  }

  function start() {
    fix(document);
    new MutationObserver(run).observe(document.body, {childList: true, subtree: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
