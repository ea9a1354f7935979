// Small progressive enhancements. Every feature works without this file.
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  document.addEventListener("DOMContentLoaded", function () {
    // Phone menu: a link to the menu (opened by CSS :target) becomes a disclosure button.
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("main-menu");
    if (toggle && menu) {
      toggle.setAttribute("role", "button");
      toggle.setAttribute("aria-expanded", "false");
      var flip = function (event) {
        event.preventDefault();
        var open = menu.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", String(open));
      };
      toggle.addEventListener("click", flip);
      toggle.addEventListener("keydown", function (event) {
        if (event.key === " ") flip(event);  // a button opens on Space as well as Enter
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

    // An error summary's links put the cursor in the field they name (a plain link to it
    // would only scroll there).
    document.querySelectorAll("[data-error-summary] a[href^='#']").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) return;
        event.preventDefault();
        field.focus();
      });
    });

    // Product gallery: a thumbnail slides the strip to its picture without scrolling the page
    // (without this file it is a link to the picture), and the thumbnail of the picture in view
    // is marked.
    document.querySelectorAll("[data-gallery]").forEach(function (strip) {
      var thumbs = strip.parentNode.querySelectorAll(".gallery__thumb");
      var mark = function () {
        var shown = Math.round(strip.scrollLeft / (strip.scrollWidth / thumbs.length));
        thumbs.forEach(function (thumb, index) {
          if (index === shown) thumb.setAttribute("aria-current", "true");
          else thumb.removeAttribute("aria-current");
        });
      };
      thumbs.forEach(function (thumb) {
        thumb.addEventListener("click", function (event) {
          var slide = document.getElementById(thumb.hash.slice(1));
          if (!slide) return;
          event.preventDefault();
          var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
          strip.scrollTo({ left: slide.offsetLeft - strip.firstElementChild.offsetLeft, behavior: still ? "auto" : "smooth" });
        });
      });
      strip.addEventListener("scroll", mark, { passive: true });
      mark();
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

// The basket count in the header, the token for the buy buttons and what is left of each product
// shown come from one small request, so the pages themselves carry nothing that differs between
// visitors or changes with a sale (they are cached whole, and sales do not retire them). Without
// JavaScript the basket link still works, adding asks for a confirmation, the figures are those
// the page was rendered with and the basket refuses what has sold out since, with a reason.
(function () {
  "use strict";
  var MAX_PRODUCTS = 100;  // shop.live_figures.MAX_PRODUCTS

  // Change only what differs, so a page whose figures still hold is not touched at all.
  function showFigure(element, figure) {
    if (element.textContent !== figure.label) element.textContent = figure.label;
    var modifier = "availability--" + figure.availability.toLowerCase();
    var marked = Array.prototype.filter.call(element.classList, function (name) {
      return name.indexOf("availability--") === 0;
    });
    if (marked.length && marked.join() !== modifier) {  // the featured block shows no colour
      marked.forEach(function (name) { element.classList.remove(name); });
      element.classList.add(modifier);
    }
  }

  // A buy form or pre-order link stays where it is (nothing moves); it is only disabled.
  function offer(control, figure) {
    if (control.tagName === "A") {
      if (figure.canBuy) control.removeAttribute("aria-disabled");
      else control.setAttribute("aria-disabled", "true");
      return;
    }
    control.querySelectorAll("button, input[name=quantity], select[name=variant]").forEach(function (field) {
      field.disabled = !figure.canBuy;
      if (field.type === "number" && figure.canBuy) field.max = String(figure.maxQuantity);
    });
    // Each variant as it is now: one sold out since the page was cached can't be chosen.
    var choice = control.querySelector("select[name=variant]");
    if (!choice) return;
    var variants = figure.variants || {};
    choice.querySelectorAll("option[data-label]").forEach(function (option) {
      var variant = variants[option.value];
      if (!variant) return;
      option.disabled = !variant.canBuy;
      option.textContent = option.getAttribute("data-label") + (variant.canBuy ? "" : " (sold out)");
    });
    // The quantity allowed is the chosen variant's.
    var quantity = control.querySelector("input[name=quantity]");
    if (!quantity) return;
    choice.addEventListener("change", function () {
      var variant = variants[choice.value];
      quantity.max = String(variant ? variant.maxQuantity : figure.maxQuantity);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var slots = document.querySelectorAll("[data-basket-count]");
    var tokens = document.querySelectorAll("[data-csrf-token]");
    var figures = document.querySelectorAll("[data-live-stock]");
    var controls = document.querySelectorAll("[data-live-buy]");
    if ((!slots.length && !tokens.length && !figures.length) || !window.fetch) return;
    var ids = [];
    [figures, controls].forEach(function (marked) {
      marked.forEach(function (element) {
        var id = element.getAttribute(element.hasAttribute("data-live-stock") ? "data-live-stock" : "data-live-buy");
        if (ids.indexOf(id) < 0 && ids.length < MAX_PRODUCTS) ids.push(id);
      });
    });
    var url = "/shop/basket/count/" + (ids.length ? "?products=" + ids.join(",") : "");
    // A pre-order link marked closed goes nowhere (without this file it opens the Pre-Order
    // Form, which says the campaign is full).
    controls.forEach(function (control) {
      if (control.tagName !== "A") return;
      control.addEventListener("click", function (event) {
        if (control.getAttribute("aria-disabled") === "true") event.preventDefault();
      });
    });
    var ready = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var products = data.products || {};
        figures.forEach(function (element) {
          var figure = products[element.getAttribute("data-live-stock")];
          if (figure) showFigure(element, figure);
        });
        controls.forEach(function (control) {
          var figure = products[control.getAttribute("data-live-buy")];
          if (figure) offer(control, figure);
        });
        document.querySelectorAll("[data-live-sold-out]").forEach(function (element) {
          var figure = products[element.getAttribute("data-live-sold-out")];
          if (figure && element.hidden !== figure.canBuy) element.hidden = figure.canBuy;
        });
        tokens.forEach(function (input) { input.value = data.csrfToken; });
        slots.forEach(function (slot) {
          slot.textContent = data.count > 0 ? String(data.count) : "";
          // The badge shows a bare number; the link says what it counts (a name on the
          // link itself: a plain span may not carry one).
          var link = slot.closest("a");
          if (!link) return;
          if (!link.dataset.name) link.dataset.name = link.textContent.trim();
          link.setAttribute("aria-label", data.count > 0
            ? link.dataset.name + ", " + data.count + (data.count === 1 ? " item" : " items")
            : link.dataset.name);
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
