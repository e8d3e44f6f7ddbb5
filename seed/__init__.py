"""Demo data: files describing it, and the loader that feeds them through the services."""
