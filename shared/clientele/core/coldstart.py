"""A function's init (its module's import) without the cyclic garbage collector.

Init makes tens of thousands of objects (modules, classes, pydantic's schemas) that live as long as
the execution environment, and the collector's passes over them during the import find nothing to
free: about a sixth of the init's CPU. So inside Lambda (and the local stack's workers, which set
the same variables) the collector is paused from the first import of the layer's package until the
function's handler is built. `initialized()` then freezes what init made, so later collections
never walk it again, and turns the collector back on. Every function module ends its init with it:
`core.http.handler`, `core.streams.handler`, or a call of its own (tests/unit/test_handler_imports.py
checks each one).
"""

from __future__ import annotations

import gc

from clientele.core import settings

_paused = False


def pause_collector() -> None:
    global _paused
    if settings.in_lambda() and gc.isenabled():
        gc.disable()
        _paused = True


def initialized() -> None:
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False
