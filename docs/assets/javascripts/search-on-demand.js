// Material fetches the whole search index (about 200 KiB, and more with every example) as
// soon as a page loads, although most visits never search. This holds that one request back
// until the reader goes to the search box, so a first visit weighs a fifth less; searching
// then works as before, after a moment's "Initializing search". Every other request passes
// untouched. It must run before Material's bundle, which asks for the index as it starts
// (overrides/main.html loads it first); the browser tests check both halves.
(function () {
  const INDEX = /\/search\/search_index\.json$/;
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  const held = new WeakSet();
  const waiting = [];
  let wanted = false;

  function release() {
    wanted = true;
    waiting.splice(0).forEach(function (sendNow) {
      sendNow();
    });
  }

  XMLHttpRequest.prototype.open = function (method, url) {
    if (INDEX.test(new URL(url, location.href).pathname)) held.add(this);
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (wanted || !held.has(this)) return send.apply(this, arguments);
    const request = this;
    const body = arguments;
    waiting.push(function () {
      send.apply(request, body);
    });
  };

  // Every way into search ends in its box: a click or tap, the "/", "s" or "f" keys, the
  // search icon on a phone.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-md-component=search-query]")) release();
  });
  // A search result opened in a new tab carries its terms (?h=...), which Material
  // highlights on arrival with the index's settings.
  if (new URLSearchParams(location.search).has("h")) release();
})();
