-- Daily aggregations of silver orders into gold.
CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.gold.daily_orders') AS
SELECT DATE(ordered_on) AS order_date, COUNT(*) AS orders
FROM IDENTIFIER(:catalog || '.silver.orders')
GROUP BY DATE(ordered_on);
