"""The REST API (FastAPI) under /api/v1, serving the CRM and counter services."""
