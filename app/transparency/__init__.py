"""Transparency: awarded contracts as open data, SME and mutual shares, charts."""
