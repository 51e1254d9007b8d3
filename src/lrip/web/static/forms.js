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
