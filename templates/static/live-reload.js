/* svcnotes serve: reload the page when the site is rebuilt. Polls reload.json (a version stamp
   written after every rebuild); a script file, not inline, so the strict CSP holds. */
(function () {
  "use strict";
  if (location.protocol === "file:" || !window.fetch) return;
  var root = document.body.getAttribute("data-root") || "";
  var seen = null;
  function poll() {
    fetch(root + "reload.json?t=" + Date.now(), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.version !== undefined) {
          if (seen !== null && data.version !== seen) { location.reload(); return; }
          seen = data.version;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
