"""The product catalogue: every product type of the contract, with Chinese names.

Each product carries what the generator needs beyond the contract's columns: the term in months
of term products (time deposits, large CDs, wealth-management products, savings bonds; 0 for
the rest), whether it is sold to corporate customers, and its currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from bankcrm.domain.enums import ASSET_PRODUCT_TYPES, LOAN_PRODUCT_TYPES, ProductType

P = ProductType
# code, name, type, risk level, term in months (0 = none), corporate?, currency
CATALOGUE: tuple[tuple[str, str, ProductType, str | None, int, bool, str], ...] = (
    ("DD001", "个人活期储蓄", P.DEMAND_DEPOSIT, None, 0, False, "CNY"),
    ("DD002", "单位活期存款", P.DEMAND_DEPOSIT, None, 0, True, "CNY"),
    ("DD003", "个人外币活期储蓄（美元）", P.DEMAND_DEPOSIT, None, 0, False, "USD"),
    ("TD001", "整存整取三个月", P.TIME_DEPOSIT, None, 3, False, "CNY"),
    ("TD002", "整存整取六个月", P.TIME_DEPOSIT, None, 6, False, "CNY"),
    ("TD003", "整存整取一年", P.TIME_DEPOSIT, None, 12, False, "CNY"),
    ("TD004", "整存整取二年", P.TIME_DEPOSIT, None, 24, False, "CNY"),
    ("TD005", "整存整取三年", P.TIME_DEPOSIT, None, 36, False, "CNY"),
    ("TD006", "整存整取五年", P.TIME_DEPOSIT, None, 60, False, "CNY"),
    ("TD011", "单位定期存款一年", P.TIME_DEPOSIT, None, 12, True, "CNY"),
    ("CD001", "个人大额存单一年期", P.LARGE_CD, None, 12, False, "CNY"),
    ("CD002", "个人大额存单二年期", P.LARGE_CD, None, 24, False, "CNY"),
    ("CD003", "个人大额存单三年期", P.LARGE_CD, None, 36, False, "CNY"),
    ("CD011", "单位大额存单一年期", P.LARGE_CD, None, 12, True, "CNY"),
    ("WM001", "稳盈理财91天", P.WEALTH_MANAGEMENT, "R2", 3, False, "CNY"),
    ("WM002", "稳盈理财182天", P.WEALTH_MANAGEMENT, "R2", 6, False, "CNY"),
    ("WM003", "安鑫理财一年期", P.WEALTH_MANAGEMENT, "R3", 12, False, "CNY"),
    ("WM011", "对公稳盈理财91天", P.WEALTH_MANAGEMENT, "R2", 3, True, "CNY"),
    ("FD001", "鑫源货币市场基金", P.FUND, "R1", 0, False, "CNY"),
    ("FD002", "锦程稳健债券基金", P.FUND, "R2", 0, False, "CNY"),
    ("FD003", "赣鄱精选混合基金", P.FUND, "R3", 0, False, "CNY"),
    ("FD004", "沪深300指数基金", P.FUND, "R4", 0, False, "CNY"),
    ("IN001", "福满堂年金保险（分红型）", P.INSURANCE, "R2", 0, False, "CNY"),
    ("IN002", "安康终身寿险", P.INSURANCE, "R1", 0, False, "CNY"),
    ("BD001", "储蓄国债（凭证式）三年期", P.BOND, "R1", 36, False, "CNY"),
    ("BD002", "储蓄国债（电子式）五年期", P.BOND, "R1", 60, False, "CNY"),
    ("PM001", "积存金", P.PRECIOUS_METAL, "R4", 0, False, "CNY"),
    ("PM002", "实物黄金", P.PRECIOUS_METAL, "R3", 0, False, "CNY"),
    ("ML001", "个人住房贷款", P.MORTGAGE_LOAN, None, 0, False, "CNY"),
    ("ML002", "个人住房公积金组合贷款", P.MORTGAGE_LOAN, None, 0, False, "CNY"),
    ("CL001", "个人消费贷款", P.CONSUMER_LOAN, None, 0, False, "CNY"),
    ("CL002", "个人汽车贷款", P.CONSUMER_LOAN, None, 0, False, "CNY"),
    ("BL001", "个人经营贷款", P.BUSINESS_LOAN, None, 0, False, "CNY"),
    ("BL011", "小微企业流动资金贷款", P.BUSINESS_LOAN, None, 0, True, "CNY"),
    ("CC001", "标准信用卡", P.CREDIT_CARD, None, 0, False, "CNY"),
    ("CC002", "白金信用卡", P.CREDIT_CARD, None, 0, False, "CNY"),
)
TYPES: tuple[ProductType, ...] = tuple(ProductType)  # type code = position in this tuple
TERM_TYPES = frozenset({P.TIME_DEPOSIT, P.LARGE_CD, P.WEALTH_MANAGEMENT, P.BOND})
RUNOFF_TYPES = frozenset({P.TIME_DEPOSIT, P.LARGE_CD, P.WEALTH_MANAGEMENT})


def type_code(product_type: ProductType) -> int:
    return TYPES.index(product_type)


def type_mask(types: frozenset[ProductType]) -> npt.NDArray[np.bool_]:
    """Boolean lookup by type code: ``type_mask(ASSET_PRODUCT_TYPES)[code]``."""
    return np.array([t in types for t in TYPES])


IS_ASSET = type_mask(ASSET_PRODUCT_TYPES)
IS_LOAN = type_mask(LOAN_PRODUCT_TYPES)
IS_TERM = type_mask(TERM_TYPES)
IS_RUNOFF = type_mask(RUNOFF_TYPES)


@dataclass(frozen=True)
class Catalogue:
    """Column arrays of CATALOGUE, indexed by product number (position in CATALOGUE)."""

    code: npt.NDArray[np.object_]
    type_code: npt.NDArray[np.int64]
    term_months: npt.NDArray[np.int64]
    corporate: npt.NDArray[np.bool_]
    currency: npt.NDArray[np.object_]

    def products_of(self, product_type: ProductType, corporate: bool) -> npt.NDArray[np.int64]:
        """Product numbers of one type sold to individuals (or to corporates)."""
        mask = (self.type_code == type_code(product_type)) & (self.corporate == corporate)
        if corporate and not mask.any():
            mask = self.type_code == type_code(product_type)
        return np.flatnonzero(mask)


def catalogue() -> Catalogue:
    codes, _, types, _, terms, corporate, currency = zip(*CATALOGUE, strict=True)
    return Catalogue(
        code=np.asarray(codes, dtype=object),
        type_code=np.asarray([type_code(t) for t in types], dtype=np.int64),
        term_months=np.asarray(terms, dtype=np.int64),
        corporate=np.asarray(corporate, dtype=bool),
        currency=np.asarray(currency, dtype=object),
    )


def product_table() -> pa.Table:
    """The products table (contract order)."""
    codes, names, types, risks, *_ = zip(*CATALOGUE, strict=True)
    return pa.table(
        {
            "product_code": pa.array(codes, pa.string()),
            "name": pa.array(names, pa.string()),
            "product_type": pa.array([str(t) for t in types], pa.string()),
            "risk_level": pa.array(risks, pa.string()),
        }
    )
