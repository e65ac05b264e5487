/* Guanxi page behaviour. Loaded with `defer`; no inline scripts anywhere (CSP script-src 'self'). */
(function () {
  "use strict";

  /* <form data-confirm="Really?">: ask before submitting. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  /* <button data-copy-target="#id">: copy the target's text to the clipboard. */
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
    if (!button || !navigator.clipboard) { return; }
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    navigator.clipboard.writeText(target.textContent.trim()).then(function () {
      var done = button.getAttribute("data-copied-label");
      if (done) { button.textContent = done; }
    });
  });

  /* A fragment request whose session expired was redirected to the login page: go there. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = document.body.getAttribute("data-login-url");
    var xhr = event.detail && event.detail.xhr;
    if (!loginUrl || !xhr || !xhr.responseURL) { return; }
    if (new URL(xhr.responseURL).pathname === loginUrl) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  /* A panel form refused with field errors (422) or a conflict (409): show the returned panel. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var target = event.detail && event.detail.target;
    if (!xhr || !target || !target.closest("[data-gx-panel]")) { return; }
    if (xhr.status === 409 || xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  /* A refused fragment request: reload the page so the user sees why. */
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail && event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 401 || status === 403) {
      window.location.reload();
    }
  });
})();
