-- Bronze to silver: deduplicated, typed customers.
CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.silver.customers') AS
SELECT DISTINCT customer_id, upper(state) AS state
FROM IDENTIFIER(:catalog || '.bronze.customers')
WHERE customer_id IS NOT NULL;
