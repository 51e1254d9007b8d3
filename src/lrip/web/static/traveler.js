// Flags a typed value outside its limits while it is typed (the server decides on submit):
// inputs carry data-lsl / data-usl, and a Fail choice is flagged the same way.
(function () {
  function show(flag, text) { flag.textContent = text; flag.hidden = !text; }

  document.querySelectorAll("input[data-limits]").forEach(function (input) {
    var flag = document.getElementById(input.id + "-flag");
    var lsl = parseFloat(input.dataset.lsl), usl = parseFloat(input.dataset.usl), units = input.dataset.units;
    function check() {
      var text = input.value.trim(), v = Number(text), msg = "";
      if (text !== "" && !isFinite(v)) msg = "Not a number.";
      else if (text !== "" && v < lsl) msg = "Below the lower limit " + lsl + " " + units + ": recording it puts the unit on hold.";
      else if (text !== "" && v > usl) msg = "Above the upper limit " + usl + " " + units + ": recording it puts the unit on hold.";
      input.classList.toggle("out", msg !== "");
      input.classList.toggle("in", text !== "" && msg === "");
      show(flag, msg);
    }
    input.addEventListener("input", check);
    check();
  });

  document.querySelectorAll(".passfail").forEach(function (group) {
    var radios = group.querySelectorAll("input[type=radio]");
    var flag = document.getElementById(radios[0].name + "-flag");
    function check() {
      var fail = group.querySelector("input[data-fail]:checked");
      show(flag, fail ? "A fail puts the unit on hold." : "");
    }
    radios.forEach(function (r) { r.addEventListener("change", check); });
    check();
  });
})();
// The routing strip keeps the current step in view and says when it scrolls.
(function () {
  var strip = document.getElementById("steps"), cue = document.getElementById("steps-cue");
  if (!strip) return;
  var current = strip.querySelector(".step-current");
  if (current) strip.scrollLeft = Math.max(0, current.offsetLeft - strip.offsetLeft - 24);
  function showCue() { if (cue) cue.hidden = strip.scrollWidth <= strip.clientWidth + 1; }
  showCue();
  window.addEventListener("resize", showCue);
})();
