"""Customer models (issue 5): RFM, lifetime value, churn early warning, segments,
next-best-product. Each fitted from the warehouse, each validated on real data."""
