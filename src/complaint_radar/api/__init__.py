"""REST API (FastAPI): routers per resource, auth by API key and role; thin over services."""
