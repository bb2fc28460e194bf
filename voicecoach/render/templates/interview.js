"use strict";
(function () {
  // Each answer has its own player; a click on a word plays that answer from the word, and the word
  // being spoken is highlighted. One answer plays at a time.
  var players = Array.prototype.slice.call(document.querySelectorAll(".answer audio"));
  function section(el) { return el.closest(".answer"); }
  function mark(box, t) {
    var now = box.querySelector(".w.now");
    var words = box.querySelectorAll(".w"), pick = null;
    for (var i = 0; i < words.length; i++) {
      if (parseFloat(words[i].dataset.s) <= t + 0.001) { pick = words[i]; } else { break; }
    }
    if (now !== pick) {
      if (now) { now.classList.remove("now"); }
      if (pick) { pick.classList.add("now"); }
    }
  }
  function only(audio) { players.forEach(function (other) { if (other !== audio) { other.pause(); } }); }
  players.forEach(function (audio) {
    audio.addEventListener("play", function () { only(audio); });
    audio.addEventListener("timeupdate", function () { mark(section(audio), audio.currentTime); });
    audio.addEventListener("seeked", function () { mark(section(audio), audio.currentTime); });
  });
  document.addEventListener("click", function (e) {
    var w = e.target.closest(".answer .w, .answer [data-t]");
    if (!w) { return; }
    var box = section(w), audio = box.querySelector("audio");
    if (!audio) { return; }
    only(audio);
    audio.currentTime = parseFloat(w.dataset.s || w.dataset.t);
    audio.play().catch(function () {});
    mark(box, audio.currentTime);
  });
})();
