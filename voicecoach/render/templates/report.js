"use strict";
(function () {
  var audio = document.getElementById("answer");
  if (!audio) { return; }
  var words = Array.prototype.slice.call(document.querySelectorAll("#transcript .w"));
  var starts = words.map(function (w) { return parseFloat(w.dataset.s); });
  // Words in time order: Whisper's times can step back a little where one 30-s window hands over
  // to the next, so the transcript's order is not always the times' order.
  var order = starts.map(function (s, i) { return i; }).sort(function (a, b) { return starts[a] - starts[b] || a - b; });
  var sorted = order.map(function (i) { return starts[i]; });
  var timeline = document.getElementById("timeline");
  var playhead = document.getElementById("playhead");
  var duration = timeline ? parseFloat(timeline.dataset.duration) : 0;
  var current = -1, lastRank = -2;

  function seek(t, play) {
    audio.currentTime = Math.max(0, t);
    if (play && audio.paused) { audio.play().catch(function () {}); }
    update();
  }
  function rankAt(t) { // the last word, in time order, that starts at or before t (binary search)
    var lo = 0, hi = sorted.length - 1, found = -1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] <= t + 0.001) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  function highlight(i) {
    if (i === current) { return; }
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
  function update() {
    var t = audio.currentTime;
    var r = rankAt(t);
    if (r !== lastRank) { lastRank = r; highlight(r >= 0 ? order[r] : -1); }
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
    if (el) {
      seek(parseFloat(el.dataset.t || el.dataset.s), true);
      if (el.classList.contains("w")) { highlight(words.indexOf(el)); } // the word clicked, even where times tie
      return;
    }
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
      if (e.shiftKey && sorted.length) {
        var r = rankAt(audio.currentTime);
        seek(sorted[Math.min(Math.max(r + dir, 0), sorted.length - 1)], false);
      } else {
        seek(Math.min(Math.max(audio.currentTime + 5 * dir, 0), audio.duration || duration), false);
      }
    }
  });
}());
