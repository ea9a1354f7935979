// Small progressive enhancements. Every feature works without this file.
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  document.addEventListener("DOMContentLoaded", function () {
    // Phone menu: without JavaScript the menu is simply always shown.
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("main-menu");
    if (toggle && menu) {
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
      });
    }

    // "Copy link" under each post, only where the clipboard can be written.
    document.querySelectorAll("[data-copy-link]").forEach(function (button) {
      if (!navigator.clipboard) return;
      var status = button.parentNode.querySelector(".copy-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copyLink).then(
          function () { status.textContent = "Link copied."; },
          function () { status.textContent = "Could not copy; copy the address bar instead."; }
        );
      });
    });

    // Video players load from their provider only after the reader asks.
    document.querySelectorAll("[data-embed-play]").forEach(function (button) {
      var template = button.parentNode.querySelector("template[data-embed-player]");
      if (!template) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var player = document.createElement("div");
        player.className = "embed__player";
        player.appendChild(template.content.cloneNode(true));
        button.replaceWith(player);
      });
    });
  });
})();

// The basket count in the header and the token for the buy buttons come from their own small
// request, so the pages themselves carry nothing that differs between visitors (they are cached
// whole). Without JavaScript the basket link still works and adding asks for a confirmation.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var slots = document.querySelectorAll("[data-basket-count]");
    var tokens = document.querySelectorAll("[data-csrf-token]");
    if ((!slots.length && !tokens.length) || !window.fetch) return;
    var ready = fetch("/shop/basket/count/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        tokens.forEach(function (input) { input.value = data.csrfToken; });
        slots.forEach(function (slot) {
          slot.textContent = data.count > 0 ? String(data.count) : "";
          slot.setAttribute("aria-label", data.count + (data.count === 1 ? " item" : " items") + " in basket");
        });
      })
      .catch(function () {});
    // A buyer quicker than that request waits for it, rather than being asked to confirm.
    tokens.forEach(function (input) {
      input.form.addEventListener("submit", function (event) {
        if (input.value) return;
        event.preventDefault();
        ready.then(function () { input.form.submit(); });
      });
    });
  });
})();
