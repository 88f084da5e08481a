// The printable report's "Print" button (no inline scripts: CSP allows 'self' only).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();
