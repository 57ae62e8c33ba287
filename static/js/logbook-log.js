/* Duty log autosave helpers (CSP-safe: no inline script). htmx posts the draft after typing
   stops; this file shows "saving / offline" in the status line and keeps a copy of unsaved text
   in localStorage, restored on reload when the server still has the version it was based on. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("log-form");
    var status = document.getElementById("save-status");
    if (!form || !status) {
      return;
    }
    var key = "dutyschool:log:" + form.dataset.logId;

    function version() {
      var input = document.getElementById("log-version");
      return input ? input.value : "";
    }
    function fields() {
      return Array.prototype.slice.call(form.querySelectorAll("[data-log-field]"));
    }
    function keep() {
      var values = {};
      fields().forEach(function (el) { values[el.name] = el.value; });
      try {
        window.localStorage.setItem(key, JSON.stringify({ version: version(), values: values }));
      } catch (e) { /* storage full or disabled: the server copy still counts */ }
    }
    function forget() {
      try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }
    function say(text, css) {
      status.textContent = text;
      status.className = "save-status small " + (css || "");
    }
    function save() {
      form.dispatchEvent(new Event("input", { bubbles: true }));
    }

    // Restore text typed here but never saved, if the server has not moved on since.
    var stored = null;
    try { stored = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { stored = null; }
    if (stored && stored.values) {
      if (stored.version === version()) {
        var restored = false;
        fields().forEach(function (el) {
          var value = stored.values[el.name];
          if (typeof value === "string" && value !== el.value) {
            el.value = value;
            restored = true;
          }
        });
        if (restored) {
          say(status.dataset.restoredText, "text-warning");
          save();
        } else {
          forget();
        }
      } else {
        forget(); // the server copy is newer than the one this device remembers
      }
    }

    form.addEventListener("input", keep);
    form.addEventListener("htmx:beforeRequest", function () { say(status.dataset.savingText, "text-muted"); });
    form.addEventListener("htmx:afterSwap", function () {
      if (status.querySelector("[data-saved]")) {
        forget();
      }
    });
    form.addEventListener("htmx:sendError", function () {
      keep();
      say(status.dataset.offlineText, "text-danger fw-semibold");
    });
    form.addEventListener("htmx:responseError", function () {
      keep();
      say(status.dataset.errorText, "text-danger fw-semibold");
    });
    window.addEventListener("online", save);
  }

  // Deferred scripts run before DOMContentLoaded, when htmx has not yet bound the form: start
  // after htmx (its DOMContentLoaded listener was added first), so a restored draft is saved.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
