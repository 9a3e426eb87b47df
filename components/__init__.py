"""Rows to Pulumi resources: one class per kind of row, under one component per kind."""

from components import _sdk

_sdk.install()  # before any component imports pulumi_databricks: see components/_sdk.py
