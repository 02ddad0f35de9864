"""The chart IOC's autosave: caproto's ``AutosaveHelper``, restoring before the IOC serves.

caproto's autosave (``caproto.server.autosave``) is used as it is for what to
save (the ``pvproperty`` s tagged with ``autosaved``: the settings of
:data:`~chartioc.iocs.chart.saved_settings.SAVED_SETTINGS`), its file format
and its rotated copies, with these changes:

- **Restore before serving.** caproto restores in a start-up hook, by
  writing the PVs while the IOC already serves and while the charts write
  their first settings; here :func:`restore_settings` reads the file before
  the PV groups are made, and the charts start from the restored settings.
- **Save on change.** Every :attr:`ChartAutosave.period` seconds (1 s), the
  file is written if a setting changed, not on a fixed period.
- **Atomic.** caproto renames the file away and then the new one in (a
  moment with no file) and never syncs; :class:`SafeFileManager` writes
  ``FILE.tmp``, syncs it, keeps the old file as a dated copy by a hard link
  and moves the new one over it with ``os.replace``: a kill -9 at any
  moment leaves a file that loads.
- **Age by total seconds.** caproto's pruning takes a copy's age as
  ``timedelta.seconds`` (days dropped) and keys the copies by it (two of one
  second collide); here ages are total seconds, one key per copy.
- A missing, truncated or hand-broken file starts the charts from the
  configuration; a broken one is kept as ``FILE.broken``, and the reason is
  in the log and in ``IocStatus_RBV``. Never a crash.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from caproto.server import pvproperty
from caproto.server.autosave import AutosaveHelper, RotatingFileManager

from chartioc.iocs.chart.config import ChartConfig
from chartioc.iocs.chart.saved_settings import (
    Note,
    Restored,
    SavedFileError,
    apply_saved,
    parse_saved,
)

__all__ = ["ChartAutosave", "SafeFileManager", "restore_settings"]

log = logging.getLogger(__name__)


def restore_settings(
    path: str | os.PathLike[str],
    prefixes: Mapping[str, str],
    charts: Mapping[str, ChartConfig],
) -> Restored:
    """The charts' settings with those of the autosave file ``path`` laid over them.

    Parameters
    ----------
    path
        The autosave file.
    prefixes
        Chart name -> its full PV prefix (the saved PV names start with it).
    charts
        Chart name -> its settings from the command line or the configuration file.

    Returns
    -------
    Restored
        The settings, ``Pause`` per chart and the notes for the IOC status. A
        file that cannot be used gives the given settings and a note saying why.
    """
    path = pathlib.Path(path)
    if not path.exists():
        text = f"autosave: no {path} yet; settings from the configuration"
        log.info("%s", text)
        return Restored(dict(charts), notes=(Note(text, "OK"),))
    try:
        values = parse_saved(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SavedFileError) as ex:
        reason = str(ex) if isinstance(ex, SavedFileError) else f"unreadable: {ex}"
        broken = path.with_name(path.name + ".broken")
        kept = f"kept as {broken}"
        try:
            os.replace(path, broken)
        except OSError as move_error:
            kept = f"could not be moved aside: {move_error.strerror}"
        text = f"autosave: {path} {reason}; {kept}; settings from the configuration"
        log.error("%s", text)
        return Restored(dict(charts), notes=(Note(text, "autosave file unusable", True),))
    restored = apply_saved(values, prefixes, charts)
    for note in restored.notes:
        (log.warning if note.problem else log.info)("%s", note.text)
    for chart, names in restored.settings.items():
        log.info("autosave: chart %s restored from %s: %s", chart, path, " ".join(names))
    return restored


class SafeFileManager(RotatingFileManager):
    """caproto's rotating file manager with an atomic replace and ages in total seconds."""

    @property
    def files_by_age(self) -> dict[float, pathlib.Path]:
        """{age in seconds: copy}, one key per copy (the oldest the largest)."""
        now = datetime.datetime.now()
        ages: dict[float, pathlib.Path] = {}
        for index, (fn, date) in enumerate(sorted(self.files.items(), key=lambda i: i[1])):
            ages[(now - date).total_seconds() + 1e-6 * (len(self.files) - index)] = fn
        return ages

    def rotate_in_file(self, fn: pathlib.Path) -> set[pathlib.Path]:
        """Move the synced file ``fn`` over the save file; the old one stays as a dated copy."""
        if self.filename.exists():
            now = datetime.datetime.now()
            copy = self.filename.with_name(now.strftime(self._date_format))
            if not copy.exists():  # one copy a second is plenty
                with contextlib.suppress(OSError):
                    os.link(self.filename, copy)
                    self.files[copy] = now
        os.replace(fn, self.filename)
        _sync_directory(self.filename.parent)
        return self.prune_files()


def _sync_directory(directory: pathlib.Path) -> None:
    """fsync a directory, so that a rename in it survives a crash of the machine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class ChartAutosave(AutosaveHelper):
    """caproto's ``AutosaveHelper`` for the chart IOC: saves on change (see the module).

    Parameters
    ----------
    filename
        The autosave file.
    """

    period = 1.0

    autosave_hook = pvproperty(
        read_only=True,
        name=":__autosave_hook__",
        doc="Saves the chart settings within a second of a change",
    )

    def __init__(self, *args: Any, filename: str, **kwargs: Any) -> None:
        manager = SafeFileManager(filename, max_files_per_day=5, max_file_age=30, logger=log)
        super().__init__(*args, file_manager=manager, **kwargs)
        self._saved: dict[str, Any] | None = None
        self.saves = 0

    @autosave_hook.startup
    async def autosave_hook(self, instance: Any, async_lib: Any) -> None:
        """Write the file within :attr:`period` s of any change (the restore came first)."""
        while True:
            await async_lib.library.sleep(self.period)
            data = self.prepare_data()
            if data != self._saved:
                await self.save(data)

    async def save(self, data: dict[str, Any] | None = None) -> None:
        """Write ``data`` (default: the settings now) atomically; a failure is logged."""
        if data is None:
            data = self.prepare_data()
        tmp = self.file_manager.filename.with_name(self.file_manager.filename.name + ".tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as stream:
                json.dump(data, stream, indent=1, sort_keys=True)
                stream.flush()
                os.fsync(stream.fileno())
            self.file_manager.rotate_in_file(tmp)
        except OSError as ex:
            log.error("autosave: could not write %s: %s", self.file_manager.filename, ex)
            return
        self._saved = data
        self.saves += 1
