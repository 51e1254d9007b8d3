// A download that takes seconds (the readiness evidence package: figures, a PDF laid out, signatures) says it
// is under way: a link with data-busy is fetched here, an indeterminate progress bar and the seconds elapsed
// stand beside it, and the file is handed to the browser when it arrives. A refusal (an HTML page) is shown
// as the page. Without JavaScript the link still downloads.
(function () {
  document.querySelectorAll("a[data-busy]").forEach(function (link) {
    link.addEventListener("click", async function (event) {
      event.preventDefault();
      if (link.getAttribute("aria-disabled") === "true") return;
      var status = document.createElement("span");
      status.className = "busy";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      var bar = document.createElement("progress");  // no value: the browser draws it as under way
      var words = document.createElement("span");
      status.append(bar, " ", words);
      link.after(status);
      link.setAttribute("aria-disabled", "true");
      var started = Date.now();
      function tick() { words.textContent = link.dataset.busy + " " + Math.round((Date.now() - started) / 1000) + " s"; }
      tick();
      var timer = setInterval(tick, 1000);
      try {
        var answer = await fetch(link.href, {credentials: "same-origin"});
        var type = answer.headers.get("Content-Type") || "";
        if (!answer.ok || type.indexOf("text/html") === 0) {
          var html = await answer.text();
          document.open(); document.write(html); document.close();
          return;
        }
        var blob = await answer.blob();
        var name = (/filename="([^"]+)"/.exec(answer.headers.get("Content-Disposition") || "") || [])[1] || "download";
        var save = document.createElement("a");
        save.href = URL.createObjectURL(blob);
        save.download = name;
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(save.href); }, 10000);
        words.textContent = "Downloaded " + name + " in " + Math.round((Date.now() - started) / 1000) + " s.";
        bar.remove();
      } catch (error) {
        words.textContent = "The download failed: " + error.message;
        bar.remove();
      } finally {
        clearInterval(timer);
        link.removeAttribute("aria-disabled");
      }
    });
  });
})();
