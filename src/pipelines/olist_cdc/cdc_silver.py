# CDC silver: SCD type 1 (current) and type 2 (history) tables.
import dlt
from pyspark.sql import functions as F

for scd, suffix in ((1, "current"), (2, "history")):
    dlt.create_streaming_table(f"silver_customers_{suffix}")
    dlt.apply_changes(
        target=f"silver_customers_{suffix}",
        source="stg_cdc_customers",
        keys=["customer_id"],
        sequence_by=F.col("sequence_number"),
        apply_as_deletes=F.expr("operation = 'DELETE'"),
        except_column_list=["operation", "sequence_number"],
        stored_as_scd_type=scd,
    )
