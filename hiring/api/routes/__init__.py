"""The API's routes, one module per area; `hiring.api.app.create_app` includes them."""
