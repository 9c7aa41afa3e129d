"""The HTTP side: the FastAPI application and its routes."""
