"""Lakeform metadata: the YAML format, its models, the loader and validation."""
