/* 干部网络学院 player: ES5 only (old office browsers), no libraries. The server decides every
   credit; this script only reports what the video element does and shows the server's answers. */
(function () {
  'use strict';
  var box = document.getElementById('player');
  if (!box) { return; }
  var video = document.getElementById('video');
  var statusLine = document.getElementById('player-status');
  var checkBox = document.getElementById('check');
  var checkImage = document.getElementById('check-image');
  var checkMessage = document.getElementById('check-message');
  var checkInput = document.getElementById('check-input');
  var checkForm = document.getElementById('check-form');
  var doneBox = document.getElementById('done');
  var csrf = box.getAttribute('data-csrf');
  var course = box.getAttribute('data-course');
  var SLACK = 3;

  var lease = null;
  var watched = [];
  var duration = 0;
  var lastGood = 0;
  var timer = null;
  var stopped = false;
  var images = 0;
  var beatsSent = 0;

  function say(text) { statusLine.textContent = text; }

  function post(url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url, true);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data, xhr.responseText);
    };
    xhr.send(JSON.stringify(body));
  }

  function addWatched(a, b) {
    if (b <= a) { return; }
    watched.push([a, b]);
    watched.sort(function (x, y) { return x[0] - y[0]; });
    var merged = [];
    for (var i = 0; i < watched.length; i++) {
      var w = watched[i];
      var last = merged[merged.length - 1];
      if (last && w[0] <= last[1] + 1) { last[1] = Math.max(last[1], w[1]); } else { merged.push([w[0], w[1]]); }
    }
    watched = merged;
  }

  function allowed(t) {
    if (t <= SLACK) { return true; }
    for (var i = 0; i < watched.length; i++) {
      if (t >= watched[i][0] - SLACK && t <= watched[i][1] + SLACK) { return true; }
    }
    return false;
  }

  function visible() {
    if (typeof document.hidden === 'boolean') { return !document.hidden; }
    return true;
  }

  function stop(text) {
    stopped = true;
    if (timer) { clearInterval(timer); timer = null; }
    video.pause();
    say(text);
  }

  // atEnd: the beat sent when the video stops at its end (the browser pauses it there); the
  // stretch since the previous beat was played, so it is not reported as paused.
  function beat(atEnd) {
    if (stopped || !lease) { return; }
    var body = {
      lease_id: lease,
      position_s: video.currentTime || 0,
      rate: video.playbackRate || 1,
      paused: video.paused && atEnd !== true,
      visible: visible()
    };
    post('/api/beat', body, function (status, r, text) {
      beatsSent += 1;
      box.setAttribute('data-beats', String(beatsSent));
      if (r && r.status === 'signed_out') { stop('登录已失效，请重新登录后继续学习。'); return; }
      if (status !== 200 || !r) { say('与服务器通信失败（' + status + '）：' + (text || '')); return; }
      if (r.status === 'superseded') { stop('已在其他设备播放，本页停止计时。'); return; }
      if (r.status === 'expired') { stop('本次播放已结束，请刷新页面后继续。'); return; }
      var pct = r.duration_s > 0 ? Math.floor(r.watched_s * 100 / r.duration_s) : 0;
      say('已学习 ' + pct + '%（' + r.watched_s + ' / ' + r.duration_s + ' 秒）' + (r.message ? '；' + r.message : ''));
      if (r.check) { askCheck(''); }
      if (r.completion) {
        doneBox.style.display = 'block';
        doneBox.innerHTML = '';
        var p = document.createElement('p');
        p.textContent = '课程已完成：获得' + r.completion.bucket + '学分 ' + r.completion.credits + '（' + r.completion.rule + '）。';
        doneBox.appendChild(p);
      }
    });
  }

  /* The code comes only as a picture drawn by the server; a new one is fetched each time. */
  function askCheck(message) {
    video.pause();
    images += 1;
    checkImage.src = '/api/check.svg?n=' + images + '-' + new Date().getTime();
    checkMessage.textContent = message;
    checkBox.style.display = 'block';
    checkInput.value = '';
    try { checkInput.focus(); } catch (e) { /* old browsers */ }
  }

  function start(o) {
    lease = o.lease_id;
    duration = o.duration_s;
    watched = [];
    for (var i = 0; i < o.watched.length; i++) { addWatched(o.watched[i][0], o.watched[i][1]); }
    lastGood = o.resume_at_s;
    video.src = '/media/' + encodeURIComponent(o.media);
    var resumed = false;
    video.addEventListener('loadedmetadata', function () {
      if (!resumed) { resumed = true; try { video.currentTime = o.resume_at_s; } catch (e) { /* old browsers */ } }
    }, false);
    if (o.completed) { say('本课程已完成，可以重看（不再计分）。'); } else { say('可以开始学习。'); }
    timer = setInterval(function () { beat(false); }, Math.max(5, o.beat_every_s) * 1000);
    if (o.check) { askCheck(''); }
  }

  video.addEventListener('timeupdate', function () {
    var t = video.currentTime;
    if (!video.seeking && t >= lastGood && t - lastGood < 2) { addWatched(lastGood, t); }
    if (!video.seeking) { lastGood = t; }
  }, false);
  video.addEventListener('seeking', function () {
    if (!allowed(video.currentTime)) {
      video.currentTime = lastGood;
      say('只能拖动到已学习过的位置。');
    }
  }, false);
  video.addEventListener('ratechange', function () {
    if (video.playbackRate !== 1) { say('倍速播放不计学时，请使用正常速度。'); }
  }, false);
  video.addEventListener('pause', function () { beat(video.ended); }, false);
  video.addEventListener('play', function () { if (checkBox.style.display === 'block') { video.pause(); } }, false);

  checkForm.addEventListener('submit', function (e) {
    if (e.preventDefault) { e.preventDefault(); }
    var code = checkInput.value.replace(/\s+/g, '');
    post('/api/check', { code: code }, function (status, r, text) {
      if (status !== 200 || !r) { checkMessage.textContent = '提交失败（' + status + '）：' + (r && r.message ? r.message : text); return; }
      if (r.status === 'wrong') { askCheck(r.message); return; }
      checkBox.style.display = 'none';
      say(r.message);
      video.play();
    });
    return false;
  }, false);

  post('/api/courses/' + encodeURIComponent(course) + '/open', {}, function (status, o, text) {
    if (status !== 200 || !o) { say('无法开始播放：' + (o && o.message ? o.message : text)); return; }
    start(o);
  });
}());
