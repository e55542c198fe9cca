// A field that only matters for one choice of another (`data-shown-when="trigger=no_touch"`)
// is hidden while that choice is not made. Without this script every field stays visible,
// with a help text that says when it applies.
(() => {
  for (const field of document.querySelectorAll("[data-shown-when]")) {
    const [name, value] = field.dataset.shownWhen.split("=");
    const control = field.closest("form")?.querySelector(`[name="${name}"]`);
    if (!control) continue;
    const update = () => { field.hidden = control.value !== value; };
    control.addEventListener("change", update);
    update();
  }
})();
