"""web: pages (Django templates + vendored htmx), zh-CN first with English. Thin over services."""
