"""客户查询 and 客户360: importing the package registers both pages."""

from bankcrm.web.pages.customers import search, view  # noqa: F401  (registers the pages)
