-- Incremental load: merge new silver customers into the gold dimension.
MERGE INTO IDENTIFIER(:catalog || '.gold.dim_customer') AS t
USING IDENTIFIER(:catalog || '.silver.customers') AS s
ON t.customer_id = s.customer_id
WHEN MATCHED THEN UPDATE SET t.state = s.state
WHEN NOT MATCHED THEN INSERT (customer_id, state) VALUES (s.customer_id, s.state);
