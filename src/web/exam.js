/* 干部网络学院 exam countdown: ES5 only (old office browsers), no libraries. The page works
   without it (the limit and the deadline are printed); the server alone decides whether answers
   came in time. This shows the time left and hands the sheet in when it runs out. */
(function () {
  'use strict';
  var shown = document.getElementById('countdown');
  var box = document.getElementById('countdown-box');
  var timer = document.getElementById('timer');
  var form = document.getElementById('answers');
  if (!shown || !box || !timer || !form) { return; }
  var left = parseInt(shown.getAttribute('data-remaining'), 10);
  if (isNaN(left)) { return; }
  // Counted from this page's arrival on the device's own clock, so a device whose clock is
  // wrong still counts the right amount of time.
  var end = new Date().getTime() + left * 1000;
  var handedIn = false;
  var ticking = null;

  function two(n) { return n < 10 ? '0' + n : String(n); }

  function text(s) {
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    return h > 0 ? h + ':' + two(m) + ':' + two(s % 60) : m + ':' + two(s % 60);
  }

  function show(s) {
    shown.innerHTML = '';
    shown.appendChild(document.createTextNode(text(s)));
    if (s <= 300 && timer.className.indexOf('warn') < 0) { timer.className += ' warn'; }
  }

  function tick() {
    var s = Math.max(0, Math.ceil((end - new Date().getTime()) / 1000));
    show(s);
    if (s === 0 && !handedIn) {
      handedIn = true;
      clearInterval(ticking);
      box.appendChild(document.createTextNode('（时间到，正在自动交卷）'));
      form.submit();
    }
  }

  form.addEventListener('submit', function () { handedIn = true; }, false);
  box.className = box.className.replace(/\bhide\b/, '');
  ticking = setInterval(tick, 1000);
  tick();
}());
