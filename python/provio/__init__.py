"""Domain provenance from Python: what a run's I/O capture cannot see.

Records, through the C API of include/provio.h, a run's configuration,
labels, metrics, configuration files, checkpoints and relations of its own
into the same per-thread record files as the captured I/O
(docs/python.md, docs/model.md "Records a program adds").

The module never starts recording: it uses libprovio.so only when the
process already has it (started by provio-run, or with LD_PRELOAD, or a
library that loaded it).  Otherwise every call does nothing and returns
False.  Calls never raise for provenance's sake; they return True when the
record was written.

    import provio
    provio.config("learning_rate", 0.01, group="Hyperparameters")
    for n in range(epochs):
        with provio.epoch(n):
            ...
            provio.metric("accuracy", acc)        # step n
            provio.checkpoint(f"ckpt_{n}.pt")     # step n
"""
import contextlib
import contextvars
import ctypes
import functools
import inspect
import os

__all__ = ["active", "config", "config_file", "metric", "checkpoint", "label", "epoch",
           "track_params", "declare_class", "declare_relation", "relate"]

_SONAME = "libprovio.so.0"


def _loaded_library():
    """libprovio.so if this process has it already: in the global
    namespace (preloaded, or linked in), or loaded privately by another
    library (RTLD_NOLOAD: never loads it)."""
    for name, mode in ((None, ctypes.DEFAULT_MODE), (_SONAME, os.RTLD_NOLOAD | os.RTLD_LAZY)):
        try:
            lib = ctypes.CDLL(name, mode=mode)
            lib.provio_active  # raises AttributeError without the API
            return lib
        except (OSError, AttributeError):
            continue
    return None


def _bind(lib):
    s, i, d, l = ctypes.c_char_p, ctypes.c_int, ctypes.c_double, ctypes.c_long
    signatures = {
        "provio_active": [],
        "provio_config": [s, s, s],
        "provio_config_file": [s],
        "provio_metric": [s, d, l],
        "provio_checkpoint": [s, l],
        "provio_label": [s, s],
        "provio_declare_class": [s, s],
        "provio_declare_relation": [s, s],
        "provio_relate": [s, s, s],
    }
    for name, args in signatures.items():
        f = getattr(lib, name, None)
        if f is None:  # an older libprovio.so: the module stays a no-op
            return None
        f.argtypes, f.restype = args, i
    return lib


_unlooked = object()
_lib = _unlooked


def _api():
    """The bound library or None, looked up once, at the first call: a
    process that has no libprovio.so then does not record."""
    global _lib
    if _lib is _unlooked:
        lib = _loaded_library()
        _lib = _bind(lib) if lib is not None else None
    return _lib


def _text(value):
    """Bytes for a C string: bytes as given, anything else str()'d as
    UTF-8 (undecodable file names back to their bytes); None stays None."""
    if value is None or isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "surrogateescape")


def _path(path):
    return os.fsencode(path)


def _call(name, *args):
    lib = _api()
    if lib is None:
        return False
    return getattr(lib, name)(*args) == 0


_epoch = contextvars.ContextVar("provio_epoch", default=-1)


def _step(step):
    if step is None or step < 0:
        return _epoch.get()
    return int(step)


def active():
    """Whether this process is recording provenance now."""
    lib = _api()
    return bool(lib is not None and lib.provio_active())


def config(key, value, group=None):
    """A setting of this run (a configuration value, a hyperparameter), in
    an optional group such as "Hyperparameters" or "Preselection"."""
    return _call("provio_config", _text(group), _text(key), _text(value))


def config_file(path):
    """A configuration file as a whole: its current version becomes an
    input of this process (its content is not parsed)."""
    return _call("provio_config_file", _path(path))


def metric(name, value, step=-1):
    """A measured value at step (-1: the enclosing epoch(), if any)."""
    return _call("provio_metric", _text(name), float(value), _step(step))


def checkpoint(path, step=-1):
    """Marks the file at path, as this process last wrote it, as a
    checkpoint at step (-1: the enclosing epoch(), if any)."""
    return _call("provio_checkpoint", _path(path), _step(step))


def label(key, value):
    """A free label of the run: workflow type, campaign, experiment name."""
    return _call("provio_label", _text(key), _text(value))


@contextlib.contextmanager
def epoch(n):
    """Metrics and checkpoints recorded inside carry step n, unless given
    their own.  Per thread and per asyncio task; epochs nest."""
    token = _epoch.set(int(n))
    try:
        yield n
    finally:
        _epoch.reset(token)


def track_params(func=None, *, group=None):
    """Decorator: each call records the function's arguments (defaults
    included, self and cls left out) as settings, in group (default: the
    function's qualified name).  @track_params or @track_params(group=...)."""
    if func is None:
        return lambda f: track_params(f, group=group)
    signature = inspect.signature(func)
    name = group if group is not None else func.__qualname__

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if active():
            try:
                bound = signature.bind(*args, **kwargs)
                bound.apply_defaults()
                for key, value in bound.arguments.items():
                    if key not in ("self", "cls"):
                        config(key, value, group=name)
            except TypeError:
                pass  # a wrong call: the function itself says so
        return func(*args, **kwargs)

    return wrapper


def declare_class(name, parent=None):
    """A class of the program's own, https://w3id.org/provio/user#NAME,
    under parent ("prov:X", "provio:X", an IRI, another declared name;
    None: prov:Entity)."""
    return _call("provio_declare_class", _text(name), _text(parent))


def declare_relation(name, parent=None):
    """A relation of the program's own, under parent (None:
    prov:wasInfluencedBy)."""
    return _call("provio_declare_relation", _text(name), _text(parent))


def relate(subject, relation, object):
    """States `subject relation object` between two files."""
    return _call("provio_relate", _path(subject), _text(relation), _path(object))
