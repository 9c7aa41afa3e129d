"""The HTTP side: the FastAPI application and its routes, one subpackage per part of the site.

Each router is an ``APIRouter`` made from what it serves (the engine, settings, build, ...) and
mounts on any FastAPI app alone."""
