"""The screens. Importing this package registers every page with NiceGUI."""

from bankcrm.web.pages import (  # noqa: F401  (registers the pages)
    admin,
    counter,
    customers,
    home,
    login,
    password,
    segments,
    structure,
    workbench,
)
