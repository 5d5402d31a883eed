"""Control flow on the engine: ``cond``, ``switch``, ``while_loop``, ``fori_loop``, ``scan``,
``associative_scan``, ``map`` and ``vectorized_map``.

They are Python control flow over the engine's ops, written once for every backend in
``backends/control_flow.py``: the ops a branch or a loop body runs are recorded on the
tape like any others, so there is no gradient rule here. A ``scan`` differentiates as
its unrolled steps (its slices come from ``unstack``, whose gradient is one ``stack``);
``while_loop`` refuses a gradient, as JAX's does.
"""

from ... import control_flow
from ..registry import defcomposite

for _name in control_flow.__all__:
    defcomposite(_name)(getattr(control_flow, _name))
del _name
