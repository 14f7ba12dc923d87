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

// A request for the address already shown (rows per page chosen, then Apply) replaces the
// history entry instead of pushing a second, identical one.
document.addEventListener("htmx:beforeHistoryUpdate", (event) => {
  const history = event.detail.history;
  if (history.type === "push" && new URL(history.path, window.location.href).href === window.location.href) {
    history.type = "replace";
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
  const body = button.closest("tbody");
  button.closest("tr")?.remove();
  // The rows left are numbered again from 1, as they would be after a reload.
  for (const [index, row] of Array.from(body?.rows ?? []).entries()) {
    for (const label of row.querySelectorAll("label.visually-hidden")) {
      label.textContent = label.textContent.replace(/\d+/, String(index + 1));
    }
    for (const named of row.querySelectorAll("button[aria-label]")) {
      named.setAttribute("aria-label", named.getAttribute("aria-label").replace(/\d+/, String(index + 1)));
    }
  }
  fieldset?.querySelector("button[name^='add_']")?.focus();
});

// A request that failed must say so: htmx swaps the 400 (bad filters), 409 (edited meanwhile)
// and 422 (bad input) answers in place; any other failure, or no answer at all, is announced
// here instead of only in the console.
function showRequestProblem(message) {
  const box = document.getElementById("request-problem");
  if (!box) {
    return;
  }
  box.textContent = message;
  box.hidden = false;
}

document.addEventListener("htmx:responseError", (event) => {
  const xhr = event.detail.xhr;
  const reason = xhr.status === 403 ? "you are not allowed to do this (signed out?)"
    : xhr.status === 404 ? "it is no longer there"
    : xhr.status >= 500 ? "the server failed; try again in a moment" : "the request was refused";
  showRequestProblem(`That did not work (${xhr.status}): ${reason}. Reload the page to see where things stand.`);
});

document.addEventListener("htmx:sendError", () => {
  showRequestProblem("The server could not be reached: check the connection, then try again.");
});

document.addEventListener("htmx:beforeRequest", () => {
  const box = document.getElementById("request-problem");
  if (box) {
    box.hidden = true;
  }
});

// "Show all" under a facet: a box that narrows its list as one types (shown only with JavaScript).
function enableFacetFilters(root) {
  for (const box of root.querySelectorAll("input.facet-filter")) {
    box.hidden = false;
  }
}
document.addEventListener("DOMContentLoaded", () => enableFacetFilters(document));
document.addEventListener("htmx:afterSettle", (event) => enableFacetFilters(event.target));
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.classList.contains("facet-filter")) {
    return;
  }
  const wanted = box.value.trim().toLowerCase();
  for (const item of box.closest("details")?.querySelectorAll("li") ?? []) {
    item.hidden = wanted !== "" && !item.textContent.toLowerCase().includes(wanted);
  }
});
