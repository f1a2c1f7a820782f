/* Descent Lab: the page's address rides along with Dash's layout request (header X-Descent-Lab-Query), so
 * the first layout already opens a shared link (layouts/share.py: page_query) and no later callback
 * replaces the view while the user is editing it (D4). The Referer carries it too, but browsers may drop it
 * and Chromium cuts one over 4 kB to the origin. Only the renderer's `_dash-layout` GET is touched. */
(function () {
  "use strict";
  var original = window.fetch;
  if (typeof original !== "function" || original.__dlLinkQuery) { return; }
  function wrapped(input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    if (/(^|\/)_dash-layout$/.test(url.split("?")[0])) {
      init = Object.assign({}, init);
      var headers = new Headers(init.headers || {});
      headers.set("X-Descent-Lab-Query", window.location.search);
      init.headers = headers;
    }
    return original.call(this, input, init);
  }
  wrapped.__dlLinkQuery = true;
  window.fetch = wrapped;
})();
