# Databricks notebook source
# Sample ingestion notebook (lakeflow-jobs-meta examples): copies a raw table into bronze.

# COMMAND ----------

dbutils.widgets.text("catalog", "olist_dev")  # noqa: F821 - provided by Databricks
dbutils.widgets.text("source_table", "customers")  # noqa: F821
catalog = dbutils.widgets.get("catalog")  # noqa: F821
table = dbutils.widgets.get("source_table")  # noqa: F821

# COMMAND ----------

df = spark.read.format("csv").option("header", "true").load(f"/Volumes/{catalog}/raw/olist/{table}")  # noqa: F821
df.write.mode("append").saveAsTable(f"{catalog}.bronze.{table}")
