-- Freshness: fail when bronze orders are older than :max_hours hours.
SELECT
  CASE
    WHEN MAX(_ingested_at) < current_timestamp() - make_interval(0, 0, 0, 0, CAST(:max_hours AS INT))
    THEN raise_error('bronze.orders is stale')
  END AS freshness
FROM IDENTIFIER(:catalog || '.bronze.orders');
