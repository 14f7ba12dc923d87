// Compute Deal Tracker: small progressive enhancements on top of htmx (no inline scripts).
"use strict";

// Leave blank fields out of htmx requests, so pushed URLs show only the filters in use.
document.addEventListener("htmx:configRequest", (event) => {
  const params = event.detail.parameters;
  for (const name of Array.from(new Set(params.keys ? params.keys() : Object.keys(params)))) {
    const values = params.getAll ? params.getAll(name) : [params[name]];
    if (values.every((value) => value === "")) {
      delete params[name];
    }
  }
});
