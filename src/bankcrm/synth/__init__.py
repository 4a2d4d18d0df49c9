"""The synthetic branch generator: a realistic core-banking extract (EXTRACT_FORMAT.md) of a
city branch in Xinyu, 2015-2020, with the phenomena of SCENARIO.md planted on purpose.

>>> from pathlib import Path
>>> from bankcrm.synth import SynthOptions, generate
>>> result = generate(Path("demo-extract"), SynthOptions(customers=10_000))  # doctest: +SKIP
"""

from bankcrm.synth.generate import generate
from bankcrm.synth.options import SynthOptions, SynthResult
from bankcrm.synth.scenario import ScenarioParams

__all__ = ["ScenarioParams", "SynthOptions", "SynthResult", "generate"]
