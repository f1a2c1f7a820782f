/* Descent Lab: say why a file was not loaded when the browser itself refuses it.
 *
 * dcc.Upload drops a file over its max_size (MAX_UPLOAD_BYTES) without telling the server anything, so
 * the page would stay silent. This listener sees the same file pick or drop first and writes the message
 * the server writes for a file over the limit (layouts/share.py: too_big for settings files,
 * layouts/own_problem.py for data files), in the same place. The limits and the wording come from the
 * data-* attributes of the upload's wrapper (.dl-upload-limit): data-max-bytes, data-limit-kb, data-msg,
 * and data-what / data-limit-name (default: settings files, MAX_SETTINGS_BYTES).
 */
(function () {
  "use strict";

  function check(event, files) {
    var wrap = event.target && event.target.closest ? event.target.closest(".dl-upload-limit") : null;
    if (!wrap || !files || !files.length) { return; }
    var file = files[0];
    var maxBytes = Number(wrap.getAttribute("data-max-bytes"));
    if (!(file.size > maxBytes)) { return; }
    var kb = Math.round(file.size / 1000).toLocaleString("en-US");
    var message = "Could not load " + (file.name || "the file") + ": the file is " + kb +
      " kB; " + (wrap.getAttribute("data-what") || "settings files") + " are at most " +
      wrap.getAttribute("data-limit-kb") + " kB (" + (wrap.getAttribute("data-limit-name") || "MAX_SETTINGS_BYTES") +
      "). The current view is kept.";
    var target = wrap.getAttribute("data-msg");
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(target, {children: message, className: "dl-share-msg dl-share-bad"});
    } else {
      var el = document.getElementById(target);
      if (el) { el.textContent = message; }
    }
  }

  document.addEventListener("change", function (e) {
    if (e.target && e.target.type === "file") { check(e, e.target.files); }
  }, true);
  document.addEventListener("drop", function (e) {
    check(e, e.dataTransfer && e.dataTransfer.files);
  }, true);
})();
