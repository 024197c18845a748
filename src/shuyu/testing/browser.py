"""Pytest plugin: a real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright."""
