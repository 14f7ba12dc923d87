// Starts Swagger UI on /api/docs with the schema URL the page names (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  const node = document.getElementById("api-docs");
  if (!node || typeof window.SwaggerUIBundle !== "function") return;
  window.SwaggerUIBundle({
    url: node.dataset.schemaUrl,
    domNode: node,
    deepLinking: true,
    validatorUrl: null, // never ask a third-party validator about our schema
    defaultModelsExpandDepth: 0,
    persistAuthorization: false,
  });
});
