/* kowp-site: share and copy buttons, and the Mastodon share page. Our own script; it talks to no server.
   Buttons start hidden and are shown only where the browser has the API they use, so without
   JavaScript (or without the API) the plain share links remain. */
(function () {
  "use strict";

  function statusFor(element) {
    var scope = element.closest("section, form, article") || document;
    return scope.querySelector("[data-status]") || document.querySelector("[data-status]");
  }

  function say(element, text) {
    var status = statusFor(element);
    if (!status) return;
    status.textContent = "";
    // A fresh text node each time, so screen readers announce a repeated message again.
    window.setTimeout(function () { status.textContent = text; }, 30);
  }

  function show(button) {
    var holder = button.closest("[data-needs]");
    if (holder) holder.hidden = false;
  }

  if (typeof navigator.share === "function") {
    document.querySelectorAll("[data-share-url]").forEach(function (button) {
      show(button);
      button.addEventListener("click", function () {
        var data = { title: button.dataset.shareTitle, text: button.dataset.shareText, url: button.dataset.shareUrl };
        navigator.share(data).catch(function () { /* the reader closed the share sheet */ });
      });
    });
  }

  if (window.isSecureContext && navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      show(button);
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copy).then(
          function () { say(button, button.dataset.copied || {{ js_string(_("Copied.")) }}); },
          function () { say(button, {{ js_string(_("Could not copy. Select the address and copy it yourself.")) }}); }
        );
      });
    });
  }

  var form = document.querySelector("[data-mastodon-share]");
  if (form) {
    var KEY = "kowp-site.mastodon-server";
    var text = form.querySelector("#mastodon-text");
    var server = form.querySelector("#mastodon-server");
    text.value = new URLSearchParams(window.location.search).get("text") || "";
    try { server.value = window.localStorage.getItem(KEY) || ""; } catch (e) { /* storage off */ }
    form.hidden = false;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      // "mastodon.social", "https://mastodon.social/", "@me@mastodon.social": the host only.
      var host = server.value.trim().replace(/^https?:\/\//i, "").replace(/^@?[^@\/]*@/, "").split("/")[0].toLowerCase();
      if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+(:[0-9]{1,5})?$/.test(host)) {
        say(form, {{ js_string(_("Write the server name in the form %(example)s.", example="mastodon.social")) }});
        server.focus();
        return;
      }
      try { window.localStorage.setItem(KEY, host); } catch (e) { /* storage off */ }
      window.location.assign("https://" + host + "/share?text=" + encodeURIComponent(text.value));
    });
  }
})();
