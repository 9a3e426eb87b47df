# Databricks notebook source
# Olist data generator: writes a day of synthetic transactional data and CDC events as CSV files
# under /Volumes/<catalog>/raw/olist/ for the main and CDC pipelines to ingest.

# COMMAND ----------

import csv
import datetime as dt
import io
import random

dbutils.widgets.text("catalog", "olist_dev")  # noqa: F821 - provided by Databricks
catalog = dbutils.widgets.get("catalog")  # noqa: F821
root = f"/Volumes/{catalog}/raw/olist"
today = dt.date.today().isoformat()
rng = random.Random(today)

# COMMAND ----------


def write_csv(path: str, header: list[str], rows: list[list[object]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    dbutils.fs.put(path, buf.getvalue(), overwrite=True)  # noqa: F821


customers = [[f"c{n:06d}", rng.choice(["SP", "RJ", "MG"]), today] for n in range(1000)]
orders = [
    [f"o{n:07d}", rng.choice(customers)[0], rng.choice(["delivered", "shipped"]), today]
    for n in range(5000)
]
write_csv(f"{root}/customers/{today}.csv", ["customer_id", "state", "ingested_on"], customers)
write_csv(f"{root}/orders/{today}.csv", ["order_id", "customer_id", "status", "ordered_on"], orders)

# COMMAND ----------

# CDC events: inserts, updates and deletes with a monotonically increasing sequence number.
events = [
    [rng.choice(customers)[0], rng.choice(["INSERT", "UPDATE", "DELETE"]), seq, today]
    for seq in range(500)
]
write_csv(
    f"{root}/cdc/customers/{today}.csv",
    ["customer_id", "operation", "sequence_number", "event_date"],
    events,
)
