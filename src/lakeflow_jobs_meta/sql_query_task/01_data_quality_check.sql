-- Data quality check: fail when more than :threshold percent of customers lack an id.
SELECT
  CASE
    WHEN 100.0 * SUM(CASE WHEN customer_id IS NULL THEN 1 ELSE 0 END) / COUNT(*) > CAST(:threshold AS DOUBLE)
    THEN raise_error('customer_id null rate above threshold')
  END AS check_result
FROM IDENTIFIER(:catalog || '.bronze.customers');
