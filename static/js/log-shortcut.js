// On a prospect's page, "c" opens the form to log a helpful conversation and puts the cursor
// in it (the form is folded away so the timeline stays in view). htmx replaces the form after
// each conversation, so it is looked up on every key press.
(() => {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "c" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input, textarea, select, [contenteditable]")) return;
    const card = document.getElementById("log-conversation");
    if (!card) return;
    event.preventDefault();
    card.open = true;
    card.querySelector("select, input:not([type=hidden]), textarea")?.focus();
  });
})();
