// Starts Swagger UI on /api/docs from a file (the Content-Security-Policy runs no inline script).
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json", dom_id: "#swagger-ui", layout: "BaseLayout", deepLinking: true,
  showExtensions: true, showCommonExtensions: true, validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset]
});
