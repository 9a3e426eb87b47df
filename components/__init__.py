"""One Pulumi ComponentResource per Databricks kind."""
