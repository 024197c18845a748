"""api: the JSON API adapter (django-ninja, OpenAPI at /api/docs). Thin: parse, call one service, render."""
