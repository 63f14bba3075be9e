/* Kith tracking snippet. A website loads it with
 *   <script>window.kith=window.kith||function(){(kith.q=kith.q||[]).push(arguments)};kith('page');</script>
 *   <script async src="https://KITH/t.js" data-key="SITE_KEY"></script>
 * and calls kith('page'), kith('track', type, props) and kith('identify', email).
 * Events are batched and sent to KITH/api/v1/track as text/plain, which browsers send without a CORS preflight;
 * each has its own id, so a batch sent twice never counts twice. */
(function (w, d) {
  'use strict';
  var script = d.currentScript;
  var key = script && script.getAttribute('data-key');
  if (!key || (w.kith && w.kith.loaded)) return;
  var endpoint = new URL('/api/v1/track?key=' + encodeURIComponent(key), script.src).href;
  var queue = [];
  var identify = null;
  var timer = null;

  function cookie(name) {
    var m = d.cookie.match(new RegExp('(?:^|; )kith_' + name + '=([^;]*)'));
    return m ? decodeURIComponent(m[1]) : null;
  }
  // localStorage first; a cookie as well, for browsers or modes where storage is unavailable.
  function load(name) {
    try { var v = w.localStorage.getItem('kith.' + name); if (v) return v; } catch (e) { /* storage blocked */ }
    return cookie(name);
  }
  function save(name, value) {
    try { w.localStorage.setItem('kith.' + name, value); } catch (e) { /* storage blocked */ }
    d.cookie = 'kith_' + name + '=' + encodeURIComponent(value) + ';path=/;max-age=63072000;samesite=lax';
  }
  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, function (c) {
      var r = Math.random() * 16 | 0;
      return (c === 'x' ? r : (r & 3 | 8)).toString(16);
    });
  }

  var visitor = load('visitor');
  if (!visitor || !/^[A-Za-z0-9_-]{8,64}$/.test(visitor)) visitor = 'v-' + uuid();
  save('visitor', visitor);
  var email = load('email');

  function send(leaving) {
    if (timer) { clearTimeout(timer); timer = null; }
    while (queue.length || identify) {
      var body = { visitorId: visitor, events: queue.splice(0, 100) };
      if (identify) { body.identify = identify; identify = null; }
      else if (email) body.email = email;
      var text = JSON.stringify(body);
      var sent = false;
      if (leaving && navigator.sendBeacon) {
        try { sent = navigator.sendBeacon(endpoint, new Blob([text], { type: 'text/plain' })); } catch (e) { sent = false; }
      }
      if (!sent && w.fetch) {
        w.fetch(endpoint, { method: 'POST', body: text, keepalive: text.length < 60000, credentials: 'omit', headers: { 'Content-Type': 'text/plain' } })
          .catch(function () { /* the page goes on; tracking never breaks it */ });
      }
    }
  }
  function later() {
    if (queue.length >= 20) send(false);
    else if (!timer) timer = setTimeout(function () { send(false); }, 1000);
  }
  function add(type, props, page) {
    var e = { eventId: uuid(), type: String(type), occurredAt: new Date().toISOString(), page: page || w.location.pathname };
    if (props && typeof props === 'object') e.properties = props;
    queue.push(e);
    later();
  }

  function kith(command, a, b) {
    if (command === 'page') add('access', { title: d.title, referrer: d.referrer || undefined }, a);
    else if (command === 'track' && a) add(a, b);
    else if (command === 'identify' && a) {
      email = String(a).trim().toLowerCase();
      save('email', email);
      identify = email;
      // Events still queued go with the identity: Kith identifies first, so they land on the customer too.
      later();
    }
  }
  kith.loaded = true;
  kith.visitor = function () { return visitor; };

  var waiting = (w.kith && w.kith.q) || [];
  w.kith = kith;
  for (var i = 0; i < waiting.length; i++) kith.apply(null, waiting[i]);
  w.addEventListener('pagehide', function () { send(true); });
  d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') send(true); });
})(window, document);
