# Silver: typed, validated Olist tables.
import dlt
from pyspark.sql import functions as F


@dlt.table(name="silver_customers")
@dlt.expect_or_drop("valid_customer_id", "customer_id IS NOT NULL")
def silver_customers():
    return dlt.read_stream("bronze_customers").select("customer_id", "state")


@dlt.table(name="silver_orders")
@dlt.expect_or_drop("valid_order_id", "order_id IS NOT NULL")
def silver_orders():
    return dlt.read_stream("bronze_orders").withColumn("ordered_on", F.to_date("ordered_on"))
