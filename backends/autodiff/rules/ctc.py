"""CTC loss and decoding on the engine: composites of engine ops, written once for every
backend in ``backends/ctc.py``. The loss's gradient (of any order) is the engine's
differentiation of the forward recursion's recorded ops; there is no rule here."""

from ... import ctc
from ..registry import defcomposite

defcomposite("ctc_loss")(ctc.ctc_loss)
defcomposite("ctc_decode")(ctc.ctc_decode)
