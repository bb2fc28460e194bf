"""Model resolution: which weights a model name means, where they are, and whether they are intact.

A name is looked up in the registry (``models/registry.toml``, shipped as ``voicecoach._models``).
Registry weights come from pinned pip packages; a model split into parts is joined once into
``<models_dir>/<name>/`` (the per-user cache, ``$VOICECOACH_MODELS``; see voicecoach.paths). Every file's SHA-256 is
checked before first use, and a stamp
(size and modification time of each checked file) makes later runs skip the hashing.
A name that is a folder is used as a local CTranslate2 model. Any other name is passed to
faster-whisper, which downloads it: that needs the internet, and ``resolve`` says so.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tomllib

from voicecoach import atomic, paths
from voicecoach.errors import ModelError

log = logging.getLogger("voicecoach")

STAMP_FILE = ".voicecoach-verified.json"
HASH_CHUNK_BYTES = 4 * 1024 * 1024
# Names faster-whisper can download from the hub (only ever tried when the user names one).
DOWNLOADABLE = {
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "distil-small.en",
    "medium",
    "medium.en",
    "distil-medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "distil-large-v2",
    "distil-large-v3",
    "large-v3-turbo",
    "turbo",
}


@dataclass(frozen=True)
class Part:
    package: str
    path: str


@dataclass(frozen=True)
class ModelFile:
    name: str
    parts: tuple[Part, ...]
    sha256: str


@dataclass(frozen=True)
class ModelEntry:
    """One registry entry (see models/registry.toml for the meaning of each field)."""

    name: str
    engine: str
    description: str
    source: str
    licence: str
    size_bytes: int
    multilingual: bool
    files: tuple[ModelFile, ...]


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load.

    Attributes:
        name: what the user asked for.
        path: a local folder of model files, or a name faster-whisper will download.
        multilingual: whether the model can detect and transcribe languages other than English.
        downloads: True when faster-whisper will fetch the weights from the internet.
    """

    name: str
    path: str
    multilingual: bool
    downloads: bool = False


def registry() -> dict[str, ModelEntry]:
    """All registry entries by name."""
    text = resources.files("voicecoach._models").joinpath("registry.toml").read_text("utf-8")
    data = tomllib.loads(text)
    out = {}
    for name, e in data["models"].items():
        files = tuple(
            ModelFile(
                name=f["name"], sha256=f["sha256"], parts=tuple(Part(p["package"], p["path"]) for p in f["parts"])
            )
            for f in e["files"]
        )
        out[name] = ModelEntry(
            name=name,
            engine=e["engine"],
            description=e["description"],
            source=e["source"],
            licence=e["licence"],
            size_bytes=e["size_bytes"],
            multilingual=e["multilingual"],
            files=files,
        )
    return out


def whisper_names() -> list[str]:
    return [n for n, e in registry().items() if e.engine == "faster-whisper"]


def _part_path(part: Part, model: str, source: str) -> Path:
    spec = importlib.util.find_spec(part.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"model '{model}' is not installed (package {part.package} is missing); "
            f"install it with: pip install {source.split(': ', 1)[-1].split(' (')[0].replace(' + ', ' ')}"
        )
    p = Path(next(iter(spec.submodule_search_locations))) / part.path
    if not p.is_file():
        raise ModelError(f"model '{model}': file {p} is missing; reinstall its package ({source})")
    return p


def _sha256(paths_: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths_:
        with open(p, "rb") as f:
            while chunk := f.read(HASH_CHUNK_BYTES):
                h.update(chunk)
    return h.hexdigest()


def _stat_key(p: Path) -> list[int]:
    st = p.stat()
    return [st.st_size, st.st_mtime_ns]


def _load_stamp(folder: Path) -> dict:
    try:
        return json.loads((folder / STAMP_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _write_stamp(folder: Path, stamp: dict) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic.write_text(folder / STAMP_FILE, json.dumps(stamp, indent=1))
    except OSError as e:  # a read-only home only costs a re-hash next time
        log.warning("could not record model verification in %s: %s", folder, e)


def _verify(folder: Path, entry: ModelEntry, stamp_folder: Path) -> None:
    """Check each file of ``folder`` against the registry, hashing only what changed since last time."""
    stamp = _load_stamp(stamp_folder)
    changed = False
    for f in entry.files:
        p = folder / f.name
        key = str(p)
        if stamp.get(key) == _stat_key(p) + [f.sha256]:
            continue
        digest = _sha256([p])
        if digest != f.sha256:
            raise ModelError(
                f"model '{entry.name}': {p} is corrupt (SHA-256 {digest[:12]}…, expected "
                f"{f.sha256[:12]}…); run `voicecoach models verify --repair {entry.name}` or reinstall "
                f"its package ({entry.source})"
            )
        stamp[key] = _stat_key(p) + [f.sha256]
        changed = True
    if changed:
        _write_stamp(stamp_folder, stamp)


def _assemble(entry: ModelEntry, target: Path) -> None:
    """Join a model's parts into ``target`` atomically, checking each file's hash as it is written."""
    sources = {f.name: [_part_path(p, entry.name, entry.source) for p in f.parts] for f in entry.files}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=target.parent))
    except OSError as e:
        raise ModelError(
            f"model '{entry.name}': cannot prepare it in {target.parent}: {e.strerror or e} "
            f"(set {paths.ENV_MODELS} to a folder you can write)"
        ) from e
    try:
        for f in entry.files:
            h = hashlib.sha256()
            with open(tmp / f.name, "wb") as out:
                for src in sources[f.name]:
                    with open(src, "rb") as inp:
                        while chunk := inp.read(HASH_CHUNK_BYTES):
                            h.update(chunk)
                            out.write(chunk)
            if h.hexdigest() != f.sha256:
                raise ModelError(
                    f"model '{entry.name}': {f.name} assembled from {', '.join(map(str, sources[f.name]))} "
                    f"does not match its SHA-256; reinstall its packages ({entry.source})"
                )
        if all((target / f.name).is_file() for f in entry.files):
            return  # another process prepared it meanwhile (two first runs at once); _verify checks it
        shutil.rmtree(target, ignore_errors=True)  # (a partial folder left by a killed run)
        try:
            os.replace(tmp, target)
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            # another process put its folder there first: the same files, checked next by _verify
    except OSError as e:
        raise ModelError(f"model '{entry.name}': cannot prepare it in {target.parent}: {e.strerror or e}") from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def registry_folder(entry: ModelEntry, prepare: bool = True) -> Path:
    """The local folder holding ``entry``'s files, verified (assembled first if it has split parts)."""
    single = all(len(f.parts) == 1 for f in entry.files)
    if single:
        folders = {_part_path(f.parts[0], entry.name, entry.source).parent for f in entry.files}
        same = len(folders) == 1 and all(f.parts[0].path.rsplit("/", 1)[-1] == f.name for f in entry.files)
        if same:
            folder = folders.pop()
            _verify(folder, entry, paths.models_dir() / entry.name)
            return folder
    folder = paths.models_dir() / entry.name
    if not all((folder / f.name).is_file() for f in entry.files):
        if not prepare:
            raise ModelError(f"model '{entry.name}' is not prepared yet; run `voicecoach models prepare`")
        log.info("preparing model %s in %s", entry.name, folder)
        _assemble(entry, folder)
    _verify(folder, entry, folder)
    return folder


def resolve(name: str) -> ResolvedModel:
    """Turn a user's ``--model`` value into something faster-whisper can load.

    Raises:
        ModelError: unknown name, missing package, corrupt weights.
    """
    reg = registry()
    if name in reg and reg[name].engine == "faster-whisper":
        entry = reg[name]
        return ResolvedModel(name=name, path=str(registry_folder(entry)), multilingual=entry.multilingual)
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ModelError(f"{p}: not a CTranslate2 model folder (no model.bin inside)")
        multilingual = _folder_is_multilingual(p)
        return ResolvedModel(name=name, path=str(p), multilingual=multilingual)
    if name in DOWNLOADABLE or name.count("/") == 1:
        return ResolvedModel(name=name, path=name, multilingual=not name.endswith(".en"), downloads=True)
    known = ", ".join(sorted(whisper_names()))
    raise ModelError(
        f"unknown model '{name}': use one of {known} (offline), a local CTranslate2 model folder, "
        f"or a faster-whisper name such as small.en (downloads, needs internet)"
    )


def _folder_is_multilingual(folder: Path) -> bool:
    try:
        cfg = json.loads((folder / "config.json").read_text())
        return len(cfg.get("lang_ids", [])) > 1
    except (OSError, ValueError):
        return True
