"""A hand-made branch of seven customers over two year-ends, shared by the structure, migration
and cohort tests; each test derives its expected figures from the comments here.

Year-ends: 2019-12-31 and 2020-12-31 (the only balance dates).

  customer  type        gender birth       opened      closed      AUM 2019-12-31   AUM 2020-12-31
  C1        individual  F      1990-06-15  2015-01-10  -           10 000.00 std    70 000.50 gold
  C2        individual  M      1955-12-31  2016-03-01  -           600 000.00 plat  450 000.00 gold
  C3        individual  F      1995-01-01  2019-05-01  2020-06-30  60 000.00 gold   (closed)
  C4        individual  -      -           2020-03-01  -           (not yet)        20 000.25 std
  C5        corporate   -      -           2010-01-01  -           3 000 000 diam   3 000 000 diam
  C6        individual  M      1980-01-01  2019-02-01  2019-08-31  (never at a year-end)
  C7        individual  F      1970-07-01  2020-01-15  2020-10-31  (never at a year-end)

Base 2019-12-31: C1 C2 C3 C5 (4).  Base 2020-12-31: C1 C2 C4 C5 (4).
Accounts: C1 demand 2019 10 000.00 / 2020 50 000.50, time deposit from 2020-02-01 (2020
20 000.00), a mortgage (loan, not AUM) and a credit card (no balances); C2 demand
100 000.00 / 450 000.00 and wealth management 500 000.00 in 2019, closed 2020-06-30; C3, C4,
C5, C6, C7 one demand account each (C6 and C7 without balances).
"""

from __future__ import annotations

from datetime import date

Y2019, Y2020 = date(2019, 12, 31), date(2020, 12, 31)

ROWS = {
    "branches": """
        B1,总行,,head_office,110102
        B2,一支行,B1,sub_branch,110102
        """,
    "products": """
        DD,活期,demand_deposit,
        TD,定期,time_deposit,
        WM,理财,wealth_management,R2
        ML,房贷,mortgage_loan,
        CC,信用卡,credit_card,
        """,
    "customers": """
        C1,individual,甲,other,X1,F,1990-06-15,,110102,,,B2,2015-01-10,,false,
        C2,individual,乙,other,X2,M,1955-12-31,,110102,,,B2,2016-03-01,,false,
        C3,individual,丙,other,X3,F,1995-01-01,,110102,,,B2,2019-05-01,2020-06-30,false,
        C4,individual,丁,other,X4,,,,110102,,,B2,2020-03-01,,false,
        C5,corporate,戊公司,other,X5,,,,110102,,,B1,2010-01-01,,false,
        C6,individual,己,other,X6,M,1980-01-01,,110102,,,B2,2019-02-01,2019-08-31,false,
        C7,individual,庚,other,X7,F,1970-07-01,,110102,,,B2,2020-01-15,2020-10-31,false,
        """,
    "accounts": """
        A01,C1,DD,2015-01-10,,,CNY
        A02,C1,TD,2020-02-01,,,CNY
        A03,C1,ML,2018-01-01,,,CNY
        A04,C1,CC,2015-01-10,,,CNY
        A05,C2,DD,2016-03-01,,,CNY
        A06,C2,WM,2017-01-01,,2020-06-30,CNY
        A07,C3,DD,2019-05-01,,2020-06-30,CNY
        A08,C4,DD,2020-03-01,,,CNY
        A09,C5,DD,2010-01-01,,,CNY
        A10,C6,DD,2019-02-01,,2019-08-31,CNY
        A11,C7,DD,2020-01-15,,2020-10-31,CNY
        """,
    "balances": """
        2019-12-31,A01,10000.00
        2020-12-31,A01,50000.50
        2020-12-31,A02,20000.00
        2019-12-31,A03,300000.00
        2020-12-31,A03,280000.00
        2019-12-31,A05,100000.00
        2020-12-31,A05,450000.00
        2019-12-31,A06,500000.00
        2019-12-31,A07,60000.00
        2020-12-31,A08,20000.25
        2019-12-31,A09,3000000.00
        2020-12-31,A09,3000000.00
        """,
}
