// The pages' small behaviours, kept in a file (the Content-Security-Policy runs no inline script):
// a <select data-submit> sends its form when changed; a multipart form with data-csrf is sent with this
// session's CSRF token as a header, and the page shows what the server answers.
(function () {
  document.querySelectorAll("select[data-submit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("form[enctype='multipart/form-data'][data-csrf]").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const answer = await fetch(form.action, {method: "POST", body: new FormData(form),
                                              headers: {"X-CSRF-Token": form.dataset.csrf}});
      const html = await answer.text();  // the page after the redirect, with its one-time message
      if (answer.redirected) { history.replaceState(null, "", answer.url); }
      document.open(); document.write(html); document.close();
    });
  });
})();
// Where the eye is, after every submit: a refusal drawn with the page is scrolled into view (never 1,700 px
// down), announced, and the field it is about gets the focus with its text selected, so the next scan
// replaces it; otherwise the next input a gauge or a scanner types into ([data-next]) has the focus.
(function () {
  function fieldNear(alert) {
    for (var el = alert.nextElementSibling; el; el = el.nextElementSibling) {
      var form = el.tagName === "FORM" ? el : el.querySelector && el.querySelector("form");
      if (form) {
        var input = form.querySelector("input:not([type=hidden]):not([type=radio]):not(:disabled), select, textarea");
        if (input) return input;
      }
    }
    return null;
  }
  function take(input) {
    input.focus({preventScroll: true});
    if (input.select && input.value) input.select();
  }
  var refusal = document.querySelector(".alert-refused[role=alert]");
  if (refusal) {
    refusal.scrollIntoView({block: "center"});
    var input = fieldNear(refusal);
    if (input) { take(input); }
    else { refusal.setAttribute("tabindex", "-1"); refusal.focus({preventScroll: true}); }
    var live = document.getElementById("announce");
    if (live) {
      var said = document.createElement("p");
      said.className = "visually-hidden";
      setTimeout(function () { said.textContent = refusal.textContent.replace(/\s+/g, " ").trim(); live.appendChild(said); }, 100);
    }
  } else {
    var next = Array.prototype.find.call(document.querySelectorAll("[data-next]"), function (el) {
      return !el.disabled && !el.closest("fieldset:disabled") && el.offsetParent !== null && !(el.value && el.tagName === "INPUT");
    });
    if (next) take(next);
  }
  // a scanned field selects its text when it gets the focus, so a scan replaces what was there
  document.querySelectorAll("input[data-scan]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  // the page menu closes on Escape or a click outside it
  var menu = document.getElementById("all-pages");
  if (menu) {
    document.addEventListener("click", function (event) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  }
})();
// A card whose table, or a chart wider than the screen (drawn at its natural size, its text at 12 px), scrolls by
// itself; a keyboard reaches it too.
(function () {
  function mark() {
    document.querySelectorAll(".card, .steps, .chart-box").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) { if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0"); }
      else if (box.getAttribute("tabindex") === "0" && !box.id) box.removeAttribute("tabindex");
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
