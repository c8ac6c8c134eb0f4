// The live X count on the intake form: the server counts (the same code as the Slack form).
"use strict";
(function () {
  const form = document.querySelector("form[data-count-url]");
  const counter = document.getElementById("x-count");
  if (!form || !counter || !window.fetch) {
    return;
  }
  const token = form.querySelector("input[name=csrf_token]").value;
  let timer = null;
  function update() {
    const data = new URLSearchParams();
    for (const name of ["body", "x_text", "url"]) {
      const field = form.elements.namedItem(name);
      data.append(name, field ? field.value : "");
    }
    fetch(form.dataset.countUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token },
      body: data,
    })
      .then((response) => (response.ok ? response.json() : null))
      .then((answer) => {
        if (answer) {
          counter.textContent = answer.text;
          counter.classList.toggle("over", answer.over);
        }
      })
      .catch(() => {});
  }
  form.addEventListener("input", (event) => {
    if (event.target.hasAttribute("data-counted")) {
      clearTimeout(timer);
      timer = setTimeout(update, 300);
    }
  });
  const summary = document.getElementById("summary");
  if (summary) {
    summary.focus();
  }
})();
