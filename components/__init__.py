"""Rows to Pulumi resources: one class per kind of row, under one component per kind."""
