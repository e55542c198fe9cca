// "/" anywhere (outside a field) jumps to the header's "Find a person" box, as in most
// tools people already use; on a page with its own search (marked data-slash-focus), to that
// one. Without this file the boxes are still there to click.
(() => {
  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement)) return;
    const box =
      document.querySelector("[data-slash-focus]") || document.getElementById("quick-find");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
})();
