// Material draws each ```mermaid block with window.mermaid, and when that is missing it
// fetches Mermaid from a CDN. This stand-in takes its place on every page, so diagrams never
// need the internet, and loads the pinned local copy only when a page actually has a diagram.
//
// The copy is Mermaid's ES module build (vendored by tools/vendor-mermaid.sh): its entry
// module is small and each diagram type lives in its own chunks, fetched only when a page
// draws that type. A page of flowcharts and sequence diagrams loads about a quarter of what
// the all-in-one mermaid.min.js weighs.
(function () {
  // Resolved against this file's own URL, so it works at any page depth and under any base.
  const MERMAID = new URL(
    "mermaid-11.17.2/mermaid.esm.min.mjs",
    document.currentScript.src,
  ).href;
  let config = {};
  let loading = null;

  function loadMermaid() {
    if (!loading) {
      // A dynamic import() works from this classic script, and the module's own imports
      // resolve against its URL, so its chunks come from the same folder.
      loading = import(MERMAID).then(function (module) {
        const mermaid = module.default;
        // Material draws the diagrams itself, so Mermaid must not also start on page load.
        mermaid.initialize(Object.assign({ startOnLoad: false }, config));
        return mermaid;
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
      if (loading) {
        loading.then(function (mermaid) {
          mermaid.initialize(Object.assign({ startOnLoad: false }, options));
        });
      }
    },
    render: function (id, text) {
      return loadMermaid().then(function (mermaid) {
        return mermaid.render(id, text);
      });
    },
  };
})();
