"""What the final image holds and whether its command can start, worked out from the Dockerfile.

hadolint and the policy read instructions one by one; neither notices that `uvicorn` is not on
the PATH of the final stage, that the venv was copied to another folder than the one its scripts
name, or that `COPY app model ./` copies the folders' *contents* (so `app.main` no longer
exists). `final_image` replays the build on paper: where every COPY puts its files (Docker's
rules), which folders hold installed packages and scripts (venvs, `pip install --prefix`,
`--user`, `--target`, plain `pip install`), the final ENV, WORKDIR and USER. `start_problems`
then checks that the command finds its program, its Python, its packages and its app module.
"""

from __future__ import annotations

import copy
import json
import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mlops_course.containers.context import context_files, copied_files
from mlops_course.containers.dockerfile import Instruction, Stage, parse_dockerfile, pip_installs

SYSTEM_TOOLS = {"sh", "bash", "dash", "env"}  # in every Debian-based image
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEM_PYTHON = "/usr/local"  # the official python images install Python under /usr/local
_PIP_PREFIX_FLAGS = {"--prefix": "prefix", "--target": "target", "-t": "target"}


@dataclass(frozen=True)
class Environment:
    """A folder that installed packages and scripts live in, and how its scripts start Python.

    `kind` is "venv" (its own bin/python), "prefix" (bin/ and lib/ under `path`, run by the
    system Python; `--user` and `--prefix` installs) or "target" (packages directly in `path`,
    importable only through PYTHONPATH). `python` is the interpreter the scripts' first line
    names, as a path inside the image.
    """

    path: str
    kind: str
    python: str

    def moved(self, source: str, dest: str) -> Environment | None:
        """The environment after `COPY --from=... source dest`, or None if not copied whole."""
        if self.path != source and not self.path.startswith(source.rstrip("/") + "/"):
            return None
        return Environment(posixpath.normpath(dest + self.path[len(source.rstrip("/")):]),
                           self.kind, self.python)


@dataclass
class FinalImage:
    """The final stage as it would start: its files, environment and command."""

    files: dict[str, str] = field(default_factory=dict)  # image path -> context path
    environments: list[Environment] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    home: str = "/root"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    apt_packages: set[str] = field(default_factory=set)
    homes: dict[str, str] = field(default_factory=dict)  # users created, and their home
    context: set[str] = field(default_factory=set)  # the build context's files

    @property
    def command(self) -> list[str]:
        """What the container runs: ENTRYPOINT followed by CMD."""
        return self.entrypoint + self.cmd

    def path_dirs(self) -> list[str]:
        return [d for d in self.env.get("PATH", DEFAULT_PATH).split(":") if d]

    def which(self, program: str) -> str | None:
        """Where `program` resolves: a script of an environment, the system Python, or None."""
        candidates = [program] if program.startswith("/") else [
            posixpath.join(d, program) for d in self.path_dirs()]
        for candidate in candidates:
            folder, name = posixpath.split(candidate)
            if any(folder == posixpath.join(e.path, "bin") for e in self.environments):
                return candidate
            if folder == f"{SYSTEM_PYTHON}/bin" and re.fullmatch(r"python3?(\.\d+)?|pip3?", name):
                return candidate
            system = name in SYSTEM_TOOLS or name in self.apt_packages
            if folder in {"/bin", "/usr/bin"} and system:
                return candidate
        return None

    def importable_from(self, python: str) -> list[Environment]:
        """The environments whose packages `python` (a path in the image) imports."""
        prefix = posixpath.dirname(posixpath.dirname(python))
        found = [e for e in self.environments if e.kind != "target" and e.path == prefix]
        if prefix == SYSTEM_PYTHON:
            user_site = posixpath.join(self.home, ".local")
            found += [e for e in self.environments if e.path in {SYSTEM_PYTHON, user_site}]
        extra = [d for d in self.env.get("PYTHONPATH", "").split(":") if d]
        return found + [e for e in self.environments if e.path in extra]


def _expand(text: str, env: dict[str, str]) -> str:
    """`$VAR`, `${VAR}` and `${VAR:-default}` as the Dockerfile's ENV and ARG define them."""
    def value(match: re.Match[str]) -> str:
        name, default = match.group(1) or match.group(3), match.group(2)
        return env.get(name) or (default or "")

    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}|\$(\w+)", value, text)


def base_image(source: str | Path) -> str:
    """The image the final stage starts from, through earlier stages, with build ARGs resolved
    (`ARG PYTHON_VERSION=3.11.11` then `FROM python:${PYTHON_VERSION}-slim`)."""
    stages = parse_dockerfile(source)
    args = _global_args(source)
    names = {s.name.lower(): s for s in stages if s.name}
    base = _expand(stages[-1].base, args)
    for _ in stages:
        if base.lower() not in names:
            break
        base = _expand(names[base.lower()].base, args)
    return base


def _global_args(source: str | Path) -> dict[str, str]:
    """ARG defaults declared before the first FROM (the only ones FROM can use)."""
    from mlops_course.containers.source import read_text

    found = {}
    for line in read_text(source).splitlines():
        words = line.strip().split(None, 1)
        if words and words[0].upper() == "FROM":
            break
        if len(words) == 2 and words[0].upper() == "ARG" and "=" in words[1]:
            key, _, value = words[1].partition("=")
            found[key.strip()] = value.strip().strip('"')
    return found


@dataclass
class _Build:
    """Replays the stages: environments per stage, files and settings of the last one."""

    files: dict[str, int]
    args: dict[str, str]
    images: dict[str, FinalImage] = field(default_factory=dict)

    def stage(self, stage: Stage) -> FinalImage:
        """A stage's image: a copy of the stage it starts from, or a fresh base image."""
        parent = self.images.get(stage.base.lower())
        fresh = FinalImage(env={**self.args, "PATH": DEFAULT_PATH})  # the python image's PATH
        image = copy.deepcopy(parent) if parent is not None else fresh
        for instruction in stage.instructions[1:]:
            self.instruction(instruction, image)
        key = stage.name.lower() if stage.name else str(stage.index)
        self.images[key] = self.images[str(stage.index)] = image
        return image

    def instruction(self, instruction: Instruction, image: FinalImage) -> None:
        keyword = instruction.keyword
        if keyword == "ENV":
            image.env.update(_env_pairs(instruction.value, image.env))
        elif keyword == "WORKDIR":
            image.workdir = posixpath.normpath(posixpath.join(image.workdir, _expand(
                instruction.value.strip(), image.env)))
        elif keyword == "USER":
            image.user = instruction.value.split(":")[0].strip()
        elif keyword in {"COPY", "ADD"}:
            self.copy(instruction, image)
        elif keyword == "RUN":
            _run(instruction.value, image)
        elif keyword in {"CMD", "ENTRYPOINT"}:
            _command(instruction, image)

    def copy(self, instruction: Instruction, image: FinalImage) -> None:
        dest = _expand(instruction.args[-1], image.env) if instruction.args else "."
        dest = posixpath.join(image.workdir, dest)
        sources = instruction.sources
        stage = instruction.flags.get("from")
        if stage is not None:  # environments are folders: Docker copies their contents to dest
            for source in sources:
                source_image = self.images.get(stage.lower())
                for env in source_image.environments if source_image else []:
                    moved = env.moved(posixpath.normpath(source), posixpath.normpath(dest))
                    if moved is not None:
                        image.environments.append(moved)
            return
        written = instruction.args[-1] if instruction.args else "."
        into_folder = len(sources) > 1 or written.endswith(("/", "/.")) or written == "."
        for source in sources:
            for relative in copied_files([source], self.files):
                image.files[_placed(source, relative, dest, into_folder)] = relative


def _placed(source: str, relative: str, dest: str, into_folder: bool) -> str:
    """Where Docker puts context file `relative`, picked by COPY `source` to `dest`.

    A folder source copies its *contents* into dest; a file goes into dest/ when dest is a folder
    (ends with / or there are several sources), else it becomes dest."""
    cleaned = posixpath.normpath(source.lstrip("./") or ".").rstrip("/")
    if cleaned in {".", ""}:
        return posixpath.normpath(posixpath.join(dest, relative))
    if relative != cleaned and not any(ch in cleaned for ch in "*?["):
        return posixpath.normpath(posixpath.join(dest, relative[len(cleaned) + 1:]))
    name = posixpath.basename(relative)
    return posixpath.normpath(posixpath.join(dest, name) if into_folder else dest)


def _env_pairs(value: str, env: dict[str, str]) -> dict[str, str]:
    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    if len(words) >= 2 and "=" not in words[0]:
        return {words[0]: _expand(" ".join(words[1:]), env)}
    return {k: _expand(v, env) for k, _, v in (w.partition("=") for w in words if "=" in w)}


def _command(instruction: Instruction, image: FinalImage) -> None:
    """The last ENTRYPOINT and the last CMD of the stage; the container runs both, in order."""
    if instruction.keyword == "ENTRYPOINT":
        image.entrypoint = _argv(instruction)
    else:
        image.cmd = _argv(instruction)


def _argv(instruction: Instruction) -> list[str]:
    if instruction.exec_form:
        return list(json.loads(instruction.value))
    return ["/bin/sh", "-c", instruction.value]


def _run(command: str, image: FinalImage) -> None:
    """What a RUN line adds: venvs, installed packages, apt packages, a user's home folder."""
    text = _expand(command.replace("\\\n", " "), image.env)
    for venv in re.findall(r"(?:-m\s+venv|\bvirtualenv|\buv\s+venv)\s+(?:--?\S+\s+)*(\S+)", text):
        path = posixpath.join(image.workdir, venv)
        image.environments.append(Environment(path, "venv", posixpath.join(path, "bin/python")))
    for args in pip_installs(text):
        installed = _pip_environment(text, args, image)
        if installed not in image.environments:
            image.environments.append(installed)
    for packages in re.findall(r"apt-get\s+install\s+([^&|;]+)", text):
        image.apt_packages |= {w for w in packages.split() if not w.startswith("-")}
    for part in re.split(r"&&|;|\|\|", text):
        words = part.split()
        if words and words[0] in {"useradd", "adduser"}:
            home = next((words[i + 1] for i, w in enumerate(words[:-1])
                         if w in {"-d", "--home", "--home-dir"}), None)
            image.homes[words[-1]] = home or f"/home/{words[-1]}"


def _pip_environment(text: str, args: list[str], image: FinalImage) -> Environment:
    """Where a `pip install` put its packages and scripts."""
    joined = " ".join(args).replace("=", " ").split()
    for flag, kind in _PIP_PREFIX_FLAGS.items():
        if flag in joined[:-1]:
            path = posixpath.join(image.workdir, joined[joined.index(flag) + 1])
            return Environment(path, kind, f"{SYSTEM_PYTHON}/bin/python")
    if "--user" in joined:
        return Environment(posixpath.join(image.home, ".local"), "prefix",
                           f"{SYSTEM_PYTHON}/bin/python")
    pip = re.search(r"(\S*pip3?)\s+install|(\S*python3?)\s+-m\s+pip", text)
    program = (pip.group(1) or pip.group(2)) if pip else "pip"
    found = image.which(program) or f"{SYSTEM_PYTHON}/bin/pip"
    prefix = posixpath.dirname(posixpath.dirname(found))
    known = next((e for e in image.environments if e.path == prefix), None)
    if known is not None:
        return known
    return Environment(SYSTEM_PYTHON, "prefix", f"{SYSTEM_PYTHON}/bin/python")


def final_image(source: str | Path, context: str | Path | None = None,
                dockerignore: str | Path | None = "auto") -> FinalImage:
    """Replay the Dockerfile on paper (see the module docstring) and return its final stage."""
    root = Path(context) if context is not None else Path(source).parent
    args = _global_args(source)
    build = _Build(context_files(root, dockerignore), args)
    for stage in parse_dockerfile(source):
        image = build.stage(stage)
    image.context = set(build.files)
    for key in args:
        image.env.pop(key, None)
    if image.user not in {"root", "0"}:
        image.home = image.env.get("HOME") or image.homes.get(image.user) or next(
            iter(image.homes.values()), "/home/" + image.user)
    return image


def uvicorn_target(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[str | None, str | None, str, int]:
    """(app spec like `app.main:app`, --app-dir, host, port) of a uvicorn command line. Where an
    option is not given, uvicorn reads `UVICORN_<OPTION>` from the environment, else uses its
    defaults (127.0.0.1, port 8000)."""
    env = env or {}
    words = list(command)
    while words and PurePosixPath(words[0]).name != "uvicorn":
        words = words[1:]
    options: dict[str, str] = {}
    spec, i = None, 1
    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            key, eq, value = word[2:].partition("=")
            if not eq and i + 1 < len(words) and key in {"host", "port", "app-dir", "workers",
                                                        "log-level", "root-path", "env-file"}:
                value, i = words[i + 1], i + 1
            options[key] = value
        elif spec is None:
            spec = word
        i += 1
    port = options.get("port", env.get("UVICORN_PORT", "8000"))
    return (spec or env.get("UVICORN_APP"), options.get("app-dir", env.get("UVICORN_APP_DIR")),
            options.get("host", env.get("UVICORN_HOST", "127.0.0.1")),
            int(port) if port.isdigit() else -1)


def start_problems(source: str | Path, context: str | Path | None = None) -> list[str]:
    """Why the final image's command would not start, in plain words; `[]` when it would.

    Checks that the program is found (on the PATH, or by its absolute path), that the Python it
    runs on exists where the scripts say and sees the installed packages, and, for uvicorn serving a
    module of the build context (`app/main.py` for `app.main:app`), that the module is copied
    under the working directory (or `--app-dir`).
    """
    image = final_image(source, context)
    if not image.command:
        return ["the final stage has no CMD or ENTRYPOINT: nothing starts."]
    command = image.command
    if command[:2] in (["/bin/sh", "-c"], ["sh", "-c"]) and len(command) > 2:  # shell form
        command = shlex.split(command[2])
    program, rest = command[0], command[1:]
    python = _python_of(image, program, rest)
    if isinstance(python, str) and python.startswith("!"):
        return [python[1:]]
    problems = []
    if not image.importable_from(python):
        problems.append(f"`{python}` sees none of the packages installed in the image: install "
                        "the requirements where that Python looks, or put the right environment "
                        "first on the PATH.")
    spec, app_dir, _, _ = uvicorn_target(command, image.env)
    module = (spec or "").split(":")[0].replace(".", "/") + ".py"
    if spec and ":" in spec and module in image.context:  # local code, not an installed package
        where = posixpath.join(image.workdir, app_dir or ".", module)
        if posixpath.normpath(where) not in image.files:
            problems.append(f"uvicorn imports `{spec.split(':')[0]}` from {image.workdir}, but "
                            f"no file {posixpath.normpath(where)} is in the image (a COPY of a "
                            "folder copies its contents: `COPY app/ ./app/`).")
    return problems


def _python_of(image: FinalImage, program: str, rest: list[str]) -> str:
    """The interpreter that runs the command, or "!reason" when it cannot start."""
    found = image.which(program)
    if found is None:
        where = "PATH " + image.env.get("PATH", DEFAULT_PATH) if "/" not in program else "image"
        return (f"!`{program}` is not found in the final image's {where}: copy the environment "
                "that installed it, and put its bin folder on the PATH (or call it by its path).")
    name = posixpath.basename(found)
    if re.fullmatch(r"python3?(\.\d+)?", name):
        env = next((e for e in image.environments if posixpath.join(e.path, "bin") ==
                    posixpath.dirname(found)), None)
        return env.python if env and env.kind == "venv" else f"{SYSTEM_PYTHON}/bin/python"
    env = next(e for e in image.environments if posixpath.join(e.path, "bin") ==
               posixpath.dirname(found))
    if env.kind == "venv" and posixpath.dirname(posixpath.dirname(env.python)) != env.path:
        return (f"!`{found}` starts with `#!{env.python}`, the venv's path in the build stage; "
                f"it was copied to {env.path}, where that Python does not exist: copy the venv "
                "to the same path.")
    return posixpath.join(env.path, "bin/python") if env.kind == "venv" else env.python


HEALTH_TOOLS = ("curl", "wget")


def healthcheck_problems(source: str | Path, context: str | Path | None = None) -> list[str]:
    """Why the final stage's HEALTHCHECK could never succeed: no HEALTHCHECK, or a program the
    image does not have (slim images ship neither curl nor wget; Python is always there)."""
    stages = parse_dockerfile(source)
    checks = stages[-1].find("HEALTHCHECK")
    if not checks or checks[-1].value.strip().upper() == "NONE":
        return ["the final stage has no HEALTHCHECK."]
    value = checks[-1].value
    command = value[value.upper().index("CMD") + 3:].strip() if "CMD" in value.upper() else ""
    try:
        argv = json.loads(command) if command.startswith("[") else shlex.split(command)
    except ValueError:
        argv = command.split()
    program = PurePosixPath(argv[0]).name if argv else ""
    image = final_image(source, context)
    slim = any(marker in base_image(source) for marker in ("slim", "alpine", "distroless"))
    if program in HEALTH_TOOLS and slim and program not in image.apt_packages:
        return [f"the HEALTHCHECK runs `{program}`, which a slim image does not have, so the "
                "container would never be healthy: install it in the final stage, or check with "
                "Python (urllib.request)."]
    if program not in HEALTH_TOOLS and not image.which(program):
        return [f"the HEALTHCHECK runs `{program}`, which is not on the final image's PATH."]
    return []
