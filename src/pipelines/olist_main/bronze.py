# Bronze: raw Olist CSV files ingested incrementally with Auto Loader.
import dlt
from pyspark.sql import functions as F

source = spark.conf.get("olist.source_volume")  # noqa: F821 - provided by the pipeline


def bronze(entity: str) -> None:
    @dlt.table(name=f"bronze_{entity}", comment=f"Raw {entity} files")
    def _table():
        return (
            spark.readStream.format("cloudFiles")  # noqa: F821
            .option("cloudFiles.format", "csv")
            .option("header", "true")
            .load(f"{source}/{entity}")
            .withColumn("_ingested_at", F.current_timestamp())
        )


for name in ("customers", "orders", "order_items", "products", "sellers", "payments"):
    bronze(name)
