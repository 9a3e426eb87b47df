# CDC bronze and staging: raw change events, then validated ones.
import dlt

cdc = spark.conf.get("olist.cdc_volume")  # noqa: F821 - provided by the pipeline


@dlt.table(name="bronze_cdc_customers")
def bronze_cdc_customers():
    return (
        spark.readStream.format("cloudFiles")  # noqa: F821
        .option("cloudFiles.format", "csv")
        .option("header", "true")
        .load(f"{cdc}/customers")
    )


@dlt.view(name="stg_cdc_customers")
@dlt.expect_or_drop("has_sequence", "sequence_number IS NOT NULL")
def stg_cdc_customers():
    return dlt.read_stream("bronze_cdc_customers")
