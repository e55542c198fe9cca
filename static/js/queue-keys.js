// Keyboard for the follow-up queue: j / k move between follow-ups; d, s, x and h open
// done, snooze, skip and hand over on the one in focus. Keys typed into a field are left
// alone. Without this file every action is still a link or a button.
(() => {
  const ACTIONS = { d: "done", s: "snooze", x: "skip", h: "reassign" };
  let lastIndex = -1;

  const rows = () => [...document.querySelectorAll("li.followup:not(.followup-closed)")];
  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
  const current = () => document.activeElement?.closest?.("li.followup") ?? null;

  function focusRow(row) {
    row.focus();
    row.scrollIntoView({ block: "nearest" });
    lastIndex = rows().indexOf(row);
  }

  function move(step) {
    const list = rows();
    if (!list.length) return;
    let from = list.indexOf(current());
    if (from === -1 && lastIndex !== -1) {
      // Focus was lost with a row that closed: the next row now sits at its index.
      from = step > 0 ? lastIndex - 1 : lastIndex;
    }
    focusRow(list[Math.min(list.length - 1, Math.max(0, from + step))]);
  }

  function open(action) {
    const row = current();
    if (!row) return;
    const link = row.querySelector(`a[data-action="${action}"]`);
    if (link) return link.click(); // htmx swaps in the row with this form open and focused
    const details = row.querySelector(`details[data-action="${action}"]`);
    if (details) {
      details.open = true;
      details.querySelector("textarea, input:not([type=hidden]), select")?.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      const details = event.target.closest("li.followup details");
      if (event.key === "Escape" && details) {  // leave the form: close it, back to the row
        details.open = false;
        focusRow(details.closest("li.followup"));
        event.preventDefault();
      }
      return;
    }
    if (event.key === "j") move(1);
    else if (event.key === "k") move(-1);
    else if (ACTIONS[event.key]) open(ACTIONS[event.key]);
    else return;
    event.preventDefault();
  });

  document.documentElement.classList.add("has-queue-keys");
})();
