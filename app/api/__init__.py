"""The HTTP API: routers (one module a resource), auth dependencies, problem+json errors."""
