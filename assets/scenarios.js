// Scenario keys: n / p = next / previous scenario, Esc = leave presentation mode.
// Typing in a box or the picker never triggers them.
(function () {
  document.addEventListener("keydown", function (ev) {
    const t = ev.target;
    if (window.dlControlHasFocus ? window.dlControlHasFocus(t)
        : t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const click = (id) => { const el = document.getElementById(id); if (el) el.click(); };
    if (ev.key === "n") click("dl-scenario-next");
    else if (ev.key === "p") click("dl-scenario-prev");
    else if (ev.key === "Escape" && document.body.classList.contains("dl-present")) click("dl-present");
  });
})();
