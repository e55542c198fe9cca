// Print buttons ([data-print]): hidden until this script can make them work, so a page
// without JavaScript shows no button that does nothing. The browser's own Print still works.
(() => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
})();
