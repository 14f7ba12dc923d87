// Compute Deal Tracker: small progressive enhancements on top of htmx (no inline scripts).
"use strict";

// Leave blank fields out of htmx requests, so pushed URLs show only the filters in use.
// Only for GET: a posted form keeps every field, blank ones included, so its rows line up.
document.addEventListener("htmx:configRequest", (event) => {
  if (event.detail.verb !== "get") {
    return;
  }
  const params = event.detail.parameters;
  for (const name of Array.from(new Set(params.keys ? params.keys() : Object.keys(params)))) {
    const values = params.getAll ? params.getAll(name) : [params[name]];
    if (values.every((value) => value === "")) {
      delete params[name];
    }
  }
});

// "Remove" on a party or hardware row: without JavaScript it posts the form back without the
// row; here the row simply goes, and focus moves to the row's "Add another" button.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("button.row-remove") : null;
  if (!button) {
    return;
  }
  event.preventDefault();
  const fieldset = button.closest("fieldset");
  button.closest("tr")?.remove();
  fieldset?.querySelector("button[name^='add_']")?.focus();
});
