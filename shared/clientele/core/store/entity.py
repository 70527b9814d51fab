"""The one base of every stored kind.

An entity names its `kind` (the `entity` attribute of its items) and builds every key its items
carry: methods named `key`/`*_key`/`partition`/`*_partition` build keys, and each starts with the
tenant (`<environment>#<organization>#`) unless the kind is `tenant_scoped = False` (API keys,
looked up before any tenant is known). `item()` puts keys and fields together; `fields()` takes the
keys back off. Subclasses register themselves, so a check can walk every kind (tests/unit/test_security.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, ClassVar

KEY_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "entity"})


class Entity:
    kind: ClassVar[str]
    tenant_scoped: ClassVar[bool] = True
    index_attributes: ClassVar[frozenset[str]] = frozenset()  # index keys beyond pk/sk/gsi1 (sEmail, fStatus, …)

    registry: ClassVar[dict[str, type[Entity]]] = {}
    _stripped: ClassVar[frozenset[str]] = KEY_ATTRIBUTES  # what fields() leaves out, set once per class

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._stripped = KEY_ATTRIBUTES | cls.index_attributes
        if "kind" in vars(cls):
            known = Entity.registry.setdefault(cls.kind, cls)
            if known is not cls and known.__qualname__ != cls.__qualname__:  # a reload is the same kind
                raise TypeError(f"two entities store kind {cls.kind!r}: {known.__qualname__} and {cls.__qualname__}")

    @classmethod
    def item(cls, keys: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        """A whole item: its keys, its kind, then its fields."""
        return {**keys, "entity": cls.kind, **fields}

    @classmethod
    def fields(cls, item: dict[str, Any]) -> dict[str, Any]:
        """The item without its keys and index keys: what the model is built from."""
        return {name: value for name, value in item.items() if name not in cls._stripped}


STORE_MODULES = ("store", "activity", "search_index")  # beside every module whose name ends in _store


def registered() -> dict[str, type[Entity]]:
    """Every entity of the layer, by kind: imports each domain's store modules first."""
    import clientele

    for found in pkgutil.walk_packages(clientele.__path__, "clientele."):
        leaf = found.name.rsplit(".", 1)[1]
        if leaf in STORE_MODULES or leaf.endswith("_store"):
            importlib.import_module(found.name)
    return dict(Entity.registry)
