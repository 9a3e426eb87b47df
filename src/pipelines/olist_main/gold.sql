-- Gold: daily order counts for reporting.
CREATE OR REFRESH MATERIALIZED VIEW gold_daily_orders AS
SELECT ordered_on, status, COUNT(*) AS orders
FROM silver_orders
GROUP BY ordered_on, status;
