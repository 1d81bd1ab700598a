"""In a grading kernel: the machinery that runs the next cell is put back before it runs.

Hidden tests run in the same kernel as the student's code, and IPython lets one cell decide
how every later cell runs. Tried on the warm-up lab, each of these gave a blank submission full
marks, status "every cell ran", in stock nbgrader and in this course's engine alike:

- an input transformer that turns every later cell into `pass`;
- `get_ipython().run_cell` replaced by a function that runs something else;
- an AST transformer that deletes `assert` statements (full marks for any answer that returns);
- a builtin, or a function of `numpy.testing` or `pandas.testing`, replaced by one that agrees;
- (for a wrong answer) returning an `int` subclass whose `==` and `<` always say yes, which passes
  every test that checks the type and then compares.

This IPython extension records that machinery before the notebook's first cell runs: the
shell's and the kernel's methods, the transformer lists, custom exception handlers, the trace and
exception hooks, builtins, and the functions of the modules tests compare with (`WATCHED`). Before
every cell it compares, puts back what differs, and reports it in the cell's `execute_reply`
(`REPLY_KEY`) with a digest of the code that ran, which the grader's executor reads: the cell
runs on the genuine machinery, so a test's verdict is its own, and the submission is marked
tampered with a reason. A reply without the key (something bypassed the guard), or with the
digest of other code than the grader sent, fails that cell and is reported too. It also takes
comparison and arithmetic methods off classes the notebook derived from a value type
(`disguised_types`), so values are judged as what they are. The same check runs again as soon
as each cell ends: what the cell changed is put back at once, and a graded cell that changed
anything fails.

Code in the same process can always, with effort, find and undo a guard that lives there. This
one closes the generic tricks and turns a deliberate one into a visible, reported act.
"""

from __future__ import annotations

import builtins
import functools
import hashlib
import operator
import sys
import types
from typing import Any

REPLY_KEY = "mlops_course_guard"
# Modules whose functions hidden tests call to compute what they expect or to compare: a replaced
# one is put back (or, when the student's own cell first imported the module, reported when it
# holds notebook code). The course's and the project's own modules are watched by prefix.
WATCHED = (
    "math",
    "operator",
    "itertools",
    "json",
    "re",
    "random",
    "shutil",
    "numpy",
    "numpy.testing",
    "pandas",
    "pandas.testing",
    "pandas.api.types",
    "sklearn.metrics",
    "mlflow",
)
WATCHED_PREFIXES = ("mlops_course.", "mlproject.")
# Classes whose methods tests call on the student's results (`frame.equals(...)`).
WATCHED_CLASSES = (
    ("pandas", "DataFrame"),
    ("pandas", "Series"),
    ("pandas", "Index"),
    ("mlflow", "MlflowClient"),
)
# Value types tests compare answers as. A class the notebook derives from one of them and gives
# its own comparison or arithmetic (an int whose == is always True) would pass any test that
# checks the type and then compares: the guard takes those methods off the class.
VALUE_TYPES = (int, float, complex, str, bytes, tuple, list, dict, set, frozenset)
VALUE_TYPES_BY_NAME = (
    ("numpy", "ndarray"),
    ("numpy", "generic"),
    ("pandas", "Series"),
    ("pandas", "DataFrame"),
    ("pandas", "Index"),
)
_COMPARED = ("eq", "ne", "lt", "le", "gt", "ge", "bool", "hash", "str", "format")
_CONVERTED = ("int", "float", "index", "complex", "trunc", "floor", "ceil", "round", "abs")
_COMPUTED = ("neg", "pos", "add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv")
_COMPUTED_TOO = ("floordiv", "rfloordiv", "mod", "rmod", "pow", "rpow")
_HELD = ("len", "contains", "getitem", "iter", "array", "array_ufunc", "array_function")
DISGUISES = frozenset(
    f"__{name}__"
    for group in (_COMPARED, _CONVERTED, _COMPUTED, _COMPUTED_TOO, _HELD)
    for name in group
) | {"equals"}
# Builtins IPython itself rebinds between cells.
_VOLATILE_BUILTINS = {"_", "__", "___"}


def _functions(namespace: dict) -> dict[str, Any]:
    """The callables and modules of a namespace, by name (what a patch would replace)."""
    return {
        name: value
        for name, value in list(namespace.items())
        if callable(value) or isinstance(value, types.ModuleType)
    }


def digest(code: str) -> str:
    """What the guard reports of the code a cell ran (the executor compares it with the cell)."""
    return hashlib.sha256(code.encode()).hexdigest()


def _code(value: Any) -> bool:
    """A class attribute that is code (a method, a descriptor), not state."""
    return callable(value) or isinstance(value, (staticmethod, classmethod, property))


def _unchanged(namespace: Any, recorded: dict[str, Any]) -> bool:
    """Whether each name of `recorded` still holds the very object recorded (a missing name
    counts as None, as the restoring loops read it): the common case, checked twice a cell, so
    the loops that name and put back what differs run only when it is not."""
    return all(map(operator.is_, map(namespace.get, recorded), recorded.values()))


def _from_notebook(value: Any) -> bool:
    return getattr(value, "__module__", None) == "__main__"


def _value_types() -> list[type]:
    found = list(VALUE_TYPES)
    for module_name, name in VALUE_TYPES_BY_NAME:
        cls = getattr(sys.modules.get(module_name), name, None)
        if isinstance(cls, type):
            found.append(cls)
    return found


def disguised_types(seen: set[type]) -> list[type]:
    """Classes the notebook derived from a value type with their own comparison or arithmetic,
    not yet in `seen` (an Enum's members are values by design and are left alone)."""
    from enum import Enum

    found, stack = [], _value_types()
    while stack:
        for cls in type.__subclasses__(stack.pop()):
            if cls in seen:
                continue
            seen.add(cls)
            stack.append(cls)
            mine = cls.__module__ == "__main__" and not issubclass(cls, Enum)
            if mine and DISGUISES & set(vars(cls)):
                found.append(cls)
    return found


def undisguise(classes: list[type]) -> list[str]:
    """Take the disguising methods off each class: it behaves as its base type again."""
    names = []
    for cls in classes:
        taken = sorted(DISGUISES & set(vars(cls)))
        for name in taken:
            delattr(cls, name)
        names.append(f"{cls.__qualname__}({cls.__bases__[0].__name__}).{'/'.join(taken)}")
    return names


# The names of the loaded modules when `_watched_names` last looked, and the watched ones.
_SCAN = types.SimpleNamespace(loaded=frozenset(), watched=list(WATCHED))


def _watched_names() -> list[str]:
    """`WATCHED`, then each loaded module under `WATCHED_PREFIXES`. The thousand-odd loaded
    names are scanned again only when they differ from the last scan (compared in C)."""
    if sys.modules.keys() != _SCAN.loaded:
        loaded = list(sys.modules)
        _SCAN.loaded = frozenset(loaded)
        _SCAN.watched = [*WATCHED, *(n for n in loaded if n.startswith(WATCHED_PREFIXES))]
    return _SCAN.watched


def _record_modules(
    modules: dict[str, tuple[types.ModuleType, dict[str, Any]]],
    class_methods: dict[type, dict[str, Any]],
    restored: list[str],
) -> None:
    """Add each watched module and class not recorded yet; name notebook code found in them."""
    for name in _watched_names():
        module = sys.modules.get(name)
        if module is None or name in modules:
            continue
        functions = _functions(vars(module))
        restored += [f"{name}.{k}" for k, v in functions.items() if _from_notebook(v)]
        modules[name] = (module, functions)
    for module_name, class_name in WATCHED_CLASSES:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type) and cls not in class_methods:
            methods = _functions(dict(vars(cls)))
            restored += [
                f"{module_name}.{class_name}.{k}" for k, v in methods.items() if _from_notebook(v)
            ]
            class_methods[cls] = methods


# The watched modules and classes as the kernel factory recorded them before forking (empty
# elsewhere). A forked kernel starts from this record and adds only what it loads itself:
# walking numpy's, pandas' and the course's namespaces again cost each kernel 4 ms of CPU.
_AHEAD = types.SimpleNamespace(modules={}, class_methods={})


def record_ahead() -> None:
    """In the kernel factory, once its modules are loaded: record the watched ones for every
    kernel it forks. Nothing of a notebook has run in the factory, so nothing is reported."""
    _record_modules(_AHEAD.modules, _AHEAD.class_methods, [])


class Guard:
    """The recorded state of one kernel and the restoring of it before each cell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.kernel = shell.kernel
        self.parts = {
            name: getattr(shell, name)
            for name in ("compile", "input_transformer_manager", "display_pub", "displayhook")
        }
        self.parts_of_kernel = {"session": self.kernel.session}
        objects = [shell, self.kernel, *self.parts.values(), self.kernel.session]
        self.instances = {id(o): (o, set(vars(o)), _functions(vars(o))) for o in objects}
        self.classes: dict[type, dict[str, Any]] = {}
        for obj in objects:
            for cls in type(obj).__mro__[:-1]:
                self.classes.setdefault(cls, dict(vars(cls)))
        self.class_code = {
            cls: {k: v for k, v in recorded.items() if _code(v)}
            for cls, recorded in self.classes.items()
        }
        manager = shell.input_transformer_manager
        self.lists = {
            (manager, "cleanup_transforms"): list(manager.cleanup_transforms),
            (manager, "line_transforms"): list(manager.line_transforms),
            (manager, "token_transformers"): list(manager.token_transformers),
            (shell, "input_transformers_post"): list(shell.input_transformers_post),
            (shell, "ast_transformers"): list(shell.ast_transformers),
        }
        self.custom_exceptions = shell.custom_exceptions
        self.handlers = dict(self.kernel.shell_handlers)
        self.hooks = {name: getattr(sys, name) for name in ("excepthook", "displayhook")}
        self.builtins = {k: v for k, v in vars(builtins).items() if k not in _VOLATILE_BUILTINS}
        self.types_seen: set[type] = set()
        disguised_types(self.types_seen)  # what exists before the notebook runs is not its own
        # what the kernel factory recorded before forking this kernel, then what it has not
        self.modules: dict[str, tuple[types.ModuleType, dict[str, Any]]] = dict(_AHEAD.modules)
        self.class_methods: dict[type, dict[str, Any]] = dict(_AHEAD.class_methods)
        self._record_new_modules([])

    # --- recording what is loaded later --------------------------------------------------------

    def _record_new_modules(self, restored: list[str]) -> None:
        """Record each watched module (and class) the first time it is seen loaded; report
        notebook code already inside it (the student's cell imported it and patched it)."""
        _record_modules(self.modules, self.class_methods, restored)

    # --- restoring ------------------------------------------------------------------------------

    def restore(self) -> list[str]:
        """Put back everything that differs from the record; the names of what was put back."""
        restored: list[str] = []
        self._restore_parts(restored)
        self._restore_instances(restored)
        self._restore_classes(restored)
        self._restore_lists(restored)
        self._restore_hooks(restored)
        self._restore_namespaces(restored)
        self._record_new_modules(restored)
        restored += undisguise(disguised_types(self.types_seen))
        return restored

    def _restore_parts(self, restored: list[str]) -> None:
        for owner, parts, label in (
            (self.shell, self.parts, "shell"),
            (self.kernel, self.parts_of_kernel, "kernel"),
        ):
            for name, value in parts.items():
                if getattr(owner, name, None) is not value:
                    setattr(owner, name, value)
                    restored.append(f"{label}.{name}")

    def _restore_instances(self, restored: list[str]) -> None:
        for obj, names, functions in self.instances.values():
            label = type(obj).__name__
            attributes = vars(obj)
            for name in set(attributes) - names:
                if callable(getattr(type(obj), name, None)):
                    del attributes[name]  # an instance attribute hiding a method
                    restored.append(f"{label}.{name}")
            for name, value in functions.items():
                if attributes.get(name) is not value:
                    attributes[name] = value
                    restored.append(f"{label}.{name}")

    def _restore_classes(self, restored: list[str]) -> None:
        for cls, recorded in self.classes.items():
            current = vars(cls)
            if current.keys() == recorded.keys() and _unchanged(current, self.class_code[cls]):
                continue  # no name added, no method replaced
            for name in [n for n in current if n not in recorded and _code(current[n])]:
                delattr(cls, name)  # a method added to hide one of a base class
                restored.append(f"{cls.__name__}.{name}")
            for name, value in recorded.items():
                if _code(value) and current.get(name) is not value:
                    setattr(cls, name, value)
                    restored.append(f"{cls.__name__}.{name}")

    def _restore_lists(self, restored: list[str]) -> None:
        for (owner, name), recorded in self.lists.items():
            current = getattr(owner, name)
            if (
                not isinstance(current, list)
                or len(current) != len(recorded)
                or any(a is not b for a, b in zip(current, recorded, strict=True))
            ):
                setattr(owner, name, list(recorded))
                restored.append(name)
        if self.shell.custom_exceptions != self.custom_exceptions:
            self.shell.custom_exceptions = self.custom_exceptions
            restored.append("custom_exceptions")
        handlers = self.kernel.shell_handlers
        if handlers != self.handlers:
            handlers.clear()
            handlers.update(self.handlers)
            restored.append("shell_handlers")

    def _restore_hooks(self, restored: list[str]) -> None:
        for name, value in self.hooks.items():
            if getattr(sys, name) is not value:
                setattr(sys, name, value)
                restored.append(f"sys.{name}")
        if sys.gettrace() is not None:
            sys.settrace(None)
            restored.append("sys.settrace")
        if sys.getprofile() is not None:
            sys.setprofile(None)
            restored.append("sys.setprofile")

    def _restore_namespaces(self, restored: list[str]) -> None:
        _put_back(vars(builtins), self.builtins, "builtins", restored)
        for name, (module, functions) in self.modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
                restored.append(f"sys.modules[{name!r}]")
            _put_back(vars(module), functions, name, restored)
        for cls, methods in self.class_methods.items():
            _put_back(vars(cls), methods, cls.__name__, restored, functools.partial(setattr, cls))


def _put_back(
    namespace: Any, recorded: dict[str, Any], label: str, restored: list[str], put=None
) -> None:
    """Put back each name of `recorded` that no longer holds its object in `namespace`, with
    `put(name, value)` (item assignment unless given), and name it in `restored`."""
    if _unchanged(namespace, recorded):
        return
    put = put or namespace.__setitem__
    for key, value in recorded.items():
        if namespace.get(key) is not value:
            put(key, value)
            restored.append(f"{label}.{key}")


def load_ipython_extension(shell: Any) -> None:
    """Wrap the kernel's `do_execute`: the record is taken before the first cell runs."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:  # a terminal IPython: nothing is graded there
        return
    run = kernel.do_execute
    state: dict[str, Guard] = {}

    async def do_execute(
        code,
        silent,
        store_history=True,
        user_expressions=None,
        allow_stdin=False,
        **kwargs,
    ):
        guard = state.get("guard")
        if guard is None:
            guard = state["guard"] = Guard(shell)
            restored: list[str] = []
        else:
            restored = guard.restore()
        # A replaced `do_execute` that calls this one can still hand it other code: run the
        # code the grader sent, which the request itself carries.
        asked = ((kernel.get_parent("shell") or {}).get("content") or {}).get("code")
        if isinstance(asked, str) and asked != code:
            restored.append("the cell's code, changed on its way to the kernel")
            code = asked
        reply = await run(code, silent, store_history, user_expressions, allow_stdin, **kwargs)
        # Put back at once what the cell itself changed (an answer cell that installs a hook,
        # a thread that keeps installing one, a disguised class made inside the answer a test
        # called): a graded cell that changed any of it cannot be trusted, and fails.
        during = guard.restore()
        reply[REPLY_KEY] = {
            "restored": sorted(set(restored)),
            "during": sorted(set(during)),
            "ran": digest(code),
        }
        return reply

    kernel.do_execute = do_execute
