"use strict";
(function () {
  var audio = document.getElementById("answer");
  if (!audio) { return; }
  var words = Array.prototype.slice.call(document.querySelectorAll("#transcript .w"));
  var starts = words.map(function (w) { return parseFloat(w.dataset.s); });
  var timeline = document.getElementById("timeline");
  var playhead = document.getElementById("playhead");
  var duration = timeline ? parseFloat(timeline.dataset.duration) : 0;
  var current = -1;

  function seek(t, play) {
    audio.currentTime = Math.max(0, t);
    if (play && audio.paused) { audio.play().catch(function () {}); }
    update();
  }
  function wordAt(t) { // the last word that starts at or before t (binary search)
    var lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (starts[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function update() {
    var t = audio.currentTime;
    var i = wordAt(t);
    if (i !== current) {
      if (current >= 0) { words[current].classList.remove("now"); }
      if (i >= 0) {
        words[i].classList.add("now");
        var box = words[i].getBoundingClientRect();
        if (!audio.paused && (box.top < 80 || box.bottom > window.innerHeight)) {
          words[i].scrollIntoView({ block: "center" });
        }
      }
      current = i;
    }
    if (playhead && duration > 0) {
      var x = Math.min(t / duration, 1) * timeline.viewBox.baseVal.width;
      playhead.setAttribute("x1", x); playhead.setAttribute("x2", x);
      playhead.setAttribute("visibility", "visible");
    }
  }
  function tick() { update(); if (!audio.paused) { window.requestAnimationFrame(tick); } }
  audio.addEventListener("play", function () { window.requestAnimationFrame(tick); });
  audio.addEventListener("seeked", update);
  audio.addEventListener("timeupdate", update);

  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-t], .w");
    if (el) { seek(parseFloat(el.dataset.t || el.dataset.s), true); return; }
    if (timeline && timeline.contains(e.target)) { // anywhere else on the timeline: that moment
      var box = timeline.getBoundingClientRect();
      seek((e.clientX - box.left) / box.width * duration, true);
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.target === audio || e.ctrlKey || e.metaKey || e.altKey) { return; } // its own controls handle keys
    if (e.key === " " || e.key === "Spacebar") {
      e.preventDefault();
      if (audio.paused) { audio.play().catch(function () {}); } else { audio.pause(); }
    } else if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
      e.preventDefault();
      var dir = e.key === "ArrowRight" ? 1 : -1;
      if (e.shiftKey && starts.length) {
        var i = wordAt(audio.currentTime);
        var j = Math.min(Math.max(i + dir, 0), starts.length - 1);
        seek(starts[j], false);
      } else {
        seek(Math.min(Math.max(audio.currentTime + 5 * dir, 0), audio.duration || duration), false);
      }
    }
  });
}());
