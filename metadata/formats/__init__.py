"""Readers and writers of other formats (bundles, lakeflow-jobs-meta, API answers, YAML export),
apart from the metadata core."""
