"""The enumerations of the extract contract (EXTRACT_FORMAT.md), with their Chinese labels."""

from enum import StrEnum


class BranchLevel(StrEnum):
    HEAD_OFFICE = "head_office"
    BRANCH = "branch"
    SUB_BRANCH = "sub_branch"
    OUTLET = "outlet"


class EmployeeRole(StrEnum):
    RELATIONSHIP_MANAGER = "relationship_manager"
    TELLER = "teller"
    BRANCH_MANAGER = "branch_manager"
    ANALYST = "analyst"
    ADMIN = "admin"


class CustomerType(StrEnum):
    INDIVIDUAL = "individual"
    CORPORATE = "corporate"


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAU_PERMIT = "hk_macau_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    FOREIGN_PERMANENT_ID = "foreign_permanent_id"
    UNIFIED_SOCIAL_CREDIT_CODE = "unified_social_credit_code"
    OTHER = "other"


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"


class CustomerRiskLevel(StrEnum):
    C1 = "C1"
    C2 = "C2"
    C3 = "C3"
    C4 = "C4"
    C5 = "C5"


class ProductRiskLevel(StrEnum):
    R1 = "R1"
    R2 = "R2"
    R3 = "R3"
    R4 = "R4"
    R5 = "R5"


class ProductType(StrEnum):
    DEMAND_DEPOSIT = "demand_deposit"
    TIME_DEPOSIT = "time_deposit"
    LARGE_CD = "large_cd"
    WEALTH_MANAGEMENT = "wealth_management"
    FUND = "fund"
    INSURANCE = "insurance"
    BOND = "bond"
    PRECIOUS_METAL = "precious_metal"
    MORTGAGE_LOAN = "mortgage_loan"
    CONSUMER_LOAN = "consumer_loan"
    BUSINESS_LOAN = "business_loan"
    CREDIT_CARD = "credit_card"

    @property
    def is_asset(self) -> bool:
        """Counted in AUM (METRICS.md)."""
        return self in ASSET_PRODUCT_TYPES

    @property
    def is_loan(self) -> bool:
        """Counted in the loan balance; credit cards are in neither."""
        return self in LOAN_PRODUCT_TYPES


ASSET_PRODUCT_TYPES = frozenset(
    {
        ProductType.DEMAND_DEPOSIT,
        ProductType.TIME_DEPOSIT,
        ProductType.LARGE_CD,
        ProductType.WEALTH_MANAGEMENT,
        ProductType.FUND,
        ProductType.INSURANCE,
        ProductType.BOND,
        ProductType.PRECIOUS_METAL,
    }
)
LOAN_PRODUCT_TYPES = frozenset(
    {ProductType.MORTGAGE_LOAN, ProductType.CONSUMER_LOAN, ProductType.BUSINESS_LOAN}
)


class TransactionChannel(StrEnum):
    COUNTER = "counter"
    ATM = "atm"
    INTERNET_BANKING = "internet_banking"
    MOBILE_BANKING = "mobile_banking"
    THIRD_PARTY = "third_party"
    POS = "pos"
    BATCH = "batch"
    OTHER = "other"


class CounterpartyType(StrEnum):
    OWN_ACCOUNT = "own_account"
    SAME_BANK = "same_bank"
    OTHER_BANK = "other_bank"
    THIRD_PARTY_PAYMENT = "third_party_payment"
    SALARY = "salary"
    MERCHANT = "merchant"
    GOVERNMENT = "government"
    OTHER = "other"


class EnrollmentChannel(StrEnum):
    MOBILE_BANKING = "mobile_banking"
    INTERNET_BANKING = "internet_banking"
    WECHAT_BANKING = "wechat_banking"
    SMS_ALERTS = "sms_alerts"


class Tier(StrEnum):
    """Customer tier (客户层级), ordered from lowest to highest."""

    STANDARD = "standard"
    GOLD = "gold"
    PLATINUM = "platinum"
    DIAMOND = "diamond"
    PRIVATE = "private"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


LABELS_ZH: dict[str, str] = {
    "standard": "普通",
    "gold": "金卡",
    "platinum": "白金",
    "diamond": "钻石",
    "private": "私人银行",
    "individual": "个人客户",
    "corporate": "对公客户",
    "demand_deposit": "活期",
    "time_deposit": "定期",
    "large_cd": "大额存单",
    "wealth_management": "理财",
    "fund": "基金",
    "insurance": "保险",
    "bond": "国债",
    "precious_metal": "贵金属",
    "mortgage_loan": "住房贷款",
    "consumer_loan": "消费贷款",
    "business_loan": "经营贷款",
    "credit_card": "信用卡",
    "head_office": "总行",
    "branch": "分行",
    "sub_branch": "支行",
    "outlet": "网点",
    "relationship_manager": "客户经理",
    "teller": "柜员",
    "branch_manager": "网点负责人",
    "analyst": "分析师",
    "admin": "管理员",
}
