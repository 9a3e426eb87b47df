"""The Pulumi runtime: config into the settings model, the prod guard, rows wired to components."""
