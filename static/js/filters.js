// On a phone the prospect list's filters start folded under "Filters" (unless some are set),
// so the search box and the results come first. Wide screens, and pages without this
// script, keep them open.
(() => {
  const panel = document.querySelector("details[data-narrow-closed]");
  if (panel && !panel.dataset.active && window.matchMedia("(max-width: 640px)").matches) {
    panel.open = false;
  }
})();
