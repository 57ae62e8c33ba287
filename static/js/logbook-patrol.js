// Patrol and hazard pages (CSP: no inline script, so behaviour lives here).
// - form[data-autosubmit]: the QR scan page stamps the visit at once; the button stays as a
//   fallback when scripts are off.
// - [data-confirm]: a submit button that asks first (deactivating a checkpoint or an item).
// - input[type=file][data-preview]: shows the chosen photo's name under the camera button.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var auto = document.querySelector("form[data-autosubmit]");
    if (auto && !auto.dataset.sent) {
      auto.dataset.sent = "1";
      auto.submit();
    }
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) {
          window.setTimeout(function () { b.disabled = true; }, 0);
        });
      });
    });
  });
})();
