"""Ingestion: the source registry, extractors per source kind, and the lake writer."""
