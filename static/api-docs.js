// Starts Swagger UI on /api/docs with the schema URL the page names (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("api-docs");
  if (!node || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: node.dataset.schemaUrl,
    domNode: node,
    deepLinking: false, // its per-operation links sit inside the summary button: nested controls
    validatorUrl: null, // never ask a third-party validator about our schema
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
    // Swagger UI's server picker has no label of its own.
    onComplete: () => {
      const servers = document.getElementById("servers");
      if (servers && !servers.hasAttribute("aria-label")) servers.setAttribute("aria-label", "Server");
    },
  });
});
