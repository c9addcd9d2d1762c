// Material's instant navigation swaps in the next page without loading it, and leaves the
// keyboard's place where it was on the previous page (in the search box that just closed, say):
// a reader's next Tab then lands in the sidebar, far from the text. A page that loads starts
// the keyboard at its top (the "Skip to content" link comes first), or at the section its
// address names; each page that instant navigation shows starts there too.
(function () {
  let first = true;
  document$.subscribe(function () {
    if (first) {
      first = false; // a page that loaded: the browser has already done this
      return;
    }
    const id = decodeURIComponent(location.hash.slice(1));
    const start = (id && document.getElementById(id)) || document.body;
    // Focusing an element moves the keyboard's place to it; tabindex -1 makes a heading or
    // the body focusable for that one call, without adding a Tab stop.
    const hadTabindex = start.hasAttribute("tabindex");
    if (!hadTabindex) start.setAttribute("tabindex", "-1");
    start.focus({ preventScroll: true });
    if (!hadTabindex) start.removeAttribute("tabindex");
  });
})();
