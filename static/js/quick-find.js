// The header: "/" anywhere (outside a field) jumps to "Find a person" (or, on a page with its
// own search marked data-slash-focus, to that one); the arrow keys move through the
// suggestions htmx puts under it, Escape closes them; on a phone, "Menu" folds the
// navigation away. Without this file the boxes and links are all still there to click.
(() => {
  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  const box = document.getElementById("quick-find");
  const results = document.getElementById("quick-find-results");
  const links = () => (results ? [...results.querySelectorAll("a")] : []);

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(document.activeElement)) return;
    const target = document.querySelector("[data-slash-focus]") || box;
    if (!target) return;
    event.preventDefault();
    target.focus();
    target.select();
  });

  if (box && results) {
    box.closest("form").addEventListener("keydown", (event) => {
      const found = links();
      const at = found.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && found.length) {
        event.preventDefault();
        found[Math.min(at + 1, found.length - 1)].focus();
      } else if (event.key === "ArrowUp" && at >= 0) {
        event.preventDefault();
        (at === 0 ? box : found[at - 1]).focus();
      } else if (event.key === "Escape") {
        results.replaceChildren();
        box.focus();
      }
    });
    document.addEventListener("click", (event) => {
      if (!event.target.closest(".quick-find")) results.replaceChildren();
    });
  }

  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    document.documentElement.classList.add("nav-folds");
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    });
  }
})();
