// Assessment people pages (CSP: no inline script, so behaviour lives here).
// - [data-confirm]: a submit button that asks first (withdrawing a review or a proposal,
//   rejecting, hiding feedback, closing a flag, making a new feedback link).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
  });
})();
