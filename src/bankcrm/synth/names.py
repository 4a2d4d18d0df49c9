"""Chinese personal and company names, drawn for whole columns at once.

Surnames follow their rough frequency in Jiangxi (刘, 李, 王, 陈, 张 … and local names such as
敖, 幸, 晏); given names come from character pools by gender and birth generation, so a man born
in 1950 is more likely 建国 and a woman born in 1995 more likely 欣怡. Two-character given names
are the norm, one-character ones a minority, as in the census.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

# (surname, relative frequency)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("刘", 6.5), ("李", 5.5), ("王", 5.0), ("陈", 5.0), ("张", 4.5), ("黄", 4.0), ("胡", 3.5),
    ("罗", 3.0), ("吴", 3.0), ("彭", 2.5), ("曾", 2.5), ("熊", 2.2), ("邹", 2.0), ("钟", 2.0),
    ("徐", 2.0), ("杨", 2.0), ("谢", 2.0), ("周", 2.0), ("肖", 1.8), ("朱", 1.8), ("邓", 1.6),
    ("傅", 1.2), ("付", 1.0), ("廖", 1.2), ("何", 1.2), ("郭", 1.2), ("袁", 1.0), ("余", 0.9),
    ("江", 0.8), ("汪", 0.8), ("程", 0.8), ("孙", 0.8), ("赵", 0.8), ("林", 0.8), ("高", 0.8),
    ("唐", 0.7), ("许", 0.7), ("叶", 0.7), ("敖", 0.6), ("聂", 0.6), ("涂", 0.6), ("万", 0.6),
    ("龚", 0.6), ("赖", 0.6), ("邱", 0.6), ("易", 0.6), ("马", 0.6), ("简", 0.5), ("晏", 0.5),
    ("游", 0.5), ("饶", 0.5), ("梁", 0.5), ("宋", 0.5), ("曹", 0.5), ("姚", 0.5), ("卢", 0.5),
    ("蔡", 0.5), ("丁", 0.5), ("潘", 0.5), ("夏", 0.5), ("黎", 0.5), ("方", 0.5), ("喻", 0.5),
    ("欧阳", 0.4), ("严", 0.4), ("韩", 0.4), ("冯", 0.4), ("杜", 0.4), ("戴", 0.4), ("康", 0.4),
    ("温", 0.4), ("甘", 0.4), ("左", 0.3), ("兰", 0.3), ("艾", 0.3), ("钱", 0.3), ("幸", 0.2),
    ("漆", 0.2), ("辛", 0.2), ("宁", 0.2), ("习", 0.2), ("丰", 0.2),
)  # fmt: skip

# Given-name characters by (generation, gender): born before 1970, 1970-1989, 1990 on.
_GIVEN: dict[tuple[int, str], str] = {
    (0, "M"): "建国华明军平伟强志勇文德福荣生林海金春根长水发祥兴忠庆光保宝新红卫东援朝贵",
    (0, "F"): "秀英兰芳珍凤玉桂梅琴春花莲淑美菊翠云红霞华香娥冬金月素",
    (1, "M"): "勇斌涛磊鹏杰军波辉刚峰超明亮俊伟鑫飞龙健强平华林宏剑毅",
    (1, "F"): "丽娟敏静燕艳婷玲芳霞红萍琳慧颖晶倩洁莉丹玉华琴雪梅",
    (2, "M"): "浩宇轩子博文俊杰涛睿泽晨铭豪昊鑫天一辰阳哲航翔磊凯瑞",
    (2, "F"): "欣怡雨婷思佳梦琪萱涵雪诗雅可馨悦晨妍璐蕾琳慧颖倩瑶",
}
SINGLE_CHARACTER_SHARE = 0.15
# Pools laid end to end; group g = 2 * generation + (1 if male else 0) spans
# _GIVEN_CHARS[_GIVEN_OFFSET[g] : _GIVEN_OFFSET[g] + _GIVEN_SIZE[g]].
_GROUPS = [_GIVEN[(generation, gender)] for generation in range(3) for gender in "FM"]
_GIVEN_CHARS = np.asarray(list("".join(_GROUPS)), dtype=object)
_GIVEN_SIZE = np.asarray([len(pool) for pool in _GROUPS], dtype=np.int64)
_GIVEN_OFFSET = np.concatenate([[0], np.cumsum(_GIVEN_SIZE)[:-1]])

_TRADE = "鑫华盛源达泰恒昌隆兴瑞祥宏远金诚信佳嘉和丰顺德通新力安康汇中天赣渝钢晶光阳锦富"
_INDUSTRY = (
    "贸易", "建材", "钢材贸易", "机械制造", "光伏科技", "商贸", "物流", "餐饮管理",
    "房地产开发", "农业发展", "电子科技", "建筑工程", "化工", "纺织", "汽车销售", "医药",
)  # fmt: skip
_SUFFIX = ("有限公司", "有限公司", "有限责任公司", "股份有限公司")
_CITY = ("新余市", "新余", "江西", "分宜县")


def _pick(rng: np.random.Generator, pool: tuple[str, ...] | list[str], n: int) -> pa.Array:
    return pa.array(np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)], pa.string())


def person_names(
    rng: np.random.Generator, male: npt.NDArray[np.bool_], birth_year: npt.NDArray[np.int64]
) -> pa.Array:
    """One Chinese name per person, by gender and birth year (a string array)."""
    n = len(male)
    names, weights = zip(*SURNAMES, strict=True)
    p = np.asarray(weights) / np.sum(weights)
    surname = np.asarray(names, dtype=object)[rng.choice(len(names), n, p=p)]
    generation = np.digitize(birth_year, [1970, 1990])
    group = 2 * generation + male.astype(np.int64)
    first = _GIVEN_CHARS[
        _GIVEN_OFFSET[group] + (rng.random(n) * _GIVEN_SIZE[group]).astype(np.int64)
    ]
    second = _GIVEN_CHARS[
        _GIVEN_OFFSET[group] + (rng.random(n) * _GIVEN_SIZE[group]).astype(np.int64)
    ]
    second[rng.random(n) < SINGLE_CHARACTER_SHARE] = ""
    return pc.binary_join_element_wise(
        pa.array(surname, pa.string()),
        pa.array(first, pa.string()),
        pa.array(second, pa.string()),
        "",
    )


def company_names(rng: np.random.Generator, n: int) -> pa.Array:
    """Plausible Xinyu company names such as 新余市鑫华贸易有限公司."""
    trade = list(_TRADE)
    return pc.binary_join_element_wise(
        _pick(rng, _CITY, n),
        _pick(rng, trade, n),
        _pick(rng, trade, n),
        _pick(rng, _INDUSTRY, n),
        _pick(rng, _SUFFIX, n),
        "",
    )
