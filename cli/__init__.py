"""The `lakeform` command line."""
