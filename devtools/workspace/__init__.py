"""The local workspace: a Databricks REST API served on this machine."""
