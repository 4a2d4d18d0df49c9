"""Reports: the analysis (the issue-3 JSON form) rendered as rich tables (Chinese or English)
and as an xlsx workbook. Rendering only: every figure comes from ``bankcrm.analytics``."""
