"""The server's routes, one router per part of the site; each is an ``APIRouter`` made from
what it serves (the engine, settings, build, ...) and mounts on any FastAPI app alone."""
