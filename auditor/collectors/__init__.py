"""Collectors: the only code that reads live sources."""
