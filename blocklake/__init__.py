"""Blocklake: the data-sharing lakehouse of a district government data bureau."""

__version__ = "0.1.0"
