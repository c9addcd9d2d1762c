// Material draws each ```mermaid block with window.mermaid, and when that is missing it
// fetches Mermaid from a CDN. This stand-in takes its place on every page, so diagrams never
// need the internet, and loads the pinned local copy only when a page actually has a diagram.
(function () {
  // Resolved against this file's own URL, so it works at any page depth and under any base.
  const MERMAID_URL = new URL("mermaid-11.17.2.min.js", document.currentScript.src).href;
  let config = {};
  let loading = null;

  function loadMermaid() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = MERMAID_URL;
        script.onload = function () {
          // The real library has now replaced this stand-in as window.mermaid. Material
          // draws the diagrams itself, so Mermaid must not also start on page load.
          window.mermaid.initialize(Object.assign({ startOnLoad: false }, config));
          resolve(window.mermaid);
        };
        script.onerror = function () {
          reject(new Error("Could not load " + MERMAID_URL));
        };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  // On a page that has diagrams, start fetching now rather than when Material asks.
  if (document.querySelector("pre.mermaid")) {
    loadMermaid();
  }

  window.mermaid = {
    initialize: function (options) {
      config = options;
    },
    render: function (id, text) {
      return loadMermaid().then(function (mermaid) {
        return mermaid.render(id, text);
      });
    },
  };
})();
