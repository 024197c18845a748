"""demo: a believable Sichuan scenario seeded through the services (never raw inserts)."""
