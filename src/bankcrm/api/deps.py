"""Dependencies on the app's state: the warehouse and the CRM settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from bankcrm.domain.crm_settings import CrmSettings
from bankcrm.warehouse.layout import Warehouse


def get_warehouse(request: Request) -> Warehouse:
    warehouse: Warehouse = request.app.state.warehouse
    return warehouse


def get_crm_settings(request: Request) -> CrmSettings:
    settings: CrmSettings = request.app.state.crm_settings
    return settings


WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]
CrmSettingsDep = Annotated[CrmSettings, Depends(get_crm_settings)]
