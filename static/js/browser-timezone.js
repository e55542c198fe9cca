// The signed-in person's time zone, from their browser, saved once while theirs is the
// default (people:timezone_from_browser). Loaded only for people still on UTC.
(function () {
  var script = document.currentScript;
  var url = script && script.dataset.url;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!url || !zone || zone === "UTC") return;
  var key = "empathy-timezone-sent";
  try { if (localStorage.getItem(key) === zone) return; } catch (e) { /* private mode */ }
  var token = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
  if (!token) {
    try { token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return; }
  }
  var body = new URLSearchParams({ timezone: zone });
  fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": token } })
    .then(function (response) {
      if (response.ok) { try { localStorage.setItem(key, zone); } catch (e) { /* fine */ } }
    });
})();
