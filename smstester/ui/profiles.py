"""Saved connection profiles in the window: switch, save, save as, rename, delete.

The profile file and the keyring are touched only on a worker (a one-thread pool keeps
their operations in order); the UI thread only ever sees finished results. The profile
store (and the file code under it) is imported by that worker too, not before the first
paint.

The file is watched (QFileSystemWatcher on it and its folder, and a look whenever the
window becomes active): profiles saved by the CLI or another window are listed without a
restart, read again on the worker. The profile in the form follows a change made
elsewhere unless the form has unsaved edits, which are kept; one deleted elsewhere is
said, and the form keeps what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore
from PySide6.QtCore import QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from smstester.core.fields import SINGLE_LINE_FIELDS
from smstester.ui import dialogs
from smstester.ui.tasks import TaskRunner, describe

if TYPE_CHECKING:
    from PySide6.QtCore import QFileSystemWatcher, Qt

    from smstester.core.connection import DeletedProfile, SavedProfile
    from smstester.core.keystore import SecretStore
    from smstester.core.profiles import Profile, ProfileStore
    from smstester.ui.form import ConnectionForm

UNSAVED = "(unsaved connection)"


@dataclass(frozen=True, slots=True)
class Opened:
    """What the start-up task found."""

    store: ProfileStore
    keys: SecretStore
    last: Profile | None
    #: The file as it was read (see `file_signature`).
    signature: tuple[int, int, int] | None = None


def file_signature(path: Path) -> tuple[int, int, int] | None:
    """What tells one version of the profiles file from the next: inode, size, mtime
    (None while there is no file). One stat: for a worker."""
    try:
        found = path.stat()
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


class ProfileBar(QWidget):
    """`profileCombo` and its buttons; keeps the form and the saved profiles in step."""

    #: The profile now in the form (None: an unsaved connection).
    profile_changed = Signal(object)
    #: A line for the log pane: (text, tone).
    note = Signal(str, str)
    #: A profile's secrets are in the form: (its Auth-Key, the expiry it remembers for it,
    #: ISO-8601 or "").
    key_loaded = Signal(str, str)
    #: The keyring's status, once known.
    keyring_status = Signal(object)

    def __init__(self, form: ConnectionForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = form
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)  # profile file and keyring operations stay in order
        self.tasks = TaskRunner(self, pool)
        self.store: ProfileStore | None = None
        self.keys: SecretStore | None = None
        self.current: Profile | None = None
        self._saved_secrets: dict[str, str] = {}
        self._secrets_loading = False
        #: The Auth-Key the form holds and until when it is valid (ISO-8601), when known:
        #: a save keeps the expiry with its key, never with another one.
        self.key_expiry: tuple[str, str] | None = None
        self._shut_down = False
        #: Looks for the keyring a little after start-up (see KEYRING_CHECK_DELAY_MS).
        self.keyring_timer = QTimer(self)
        self.keyring_timer.setSingleShot(True)
        self.keyring_timer.timeout.connect(self._check_keyring)
        #: Watches the profiles file and its folder (set up once the profiles are read):
        #: profiles saved by the CLI or another window appear without a restart.
        self.watcher: QFileSystemWatcher | None = None
        self._signature: tuple[int, int, int] | None = None
        #: A save is a few file events: the file is looked at once they are over.
        self.reload_timer = QTimer(self)
        self.reload_timer.setSingleShot(True)
        self.reload_timer.setInterval(self.RELOAD_DELAY_MS)
        self.reload_timer.timeout.connect(self.check_file)

        self.combo = QComboBox(self)
        self.combo.setObjectName("profileCombo")
        self.combo.setToolTip("Saved connection profiles")
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setMinimumContentsLength(18)
        self.combo.addItem("Loading profiles…", None)
        self.combo.setEnabled(False)
        self.save_button = self._button(
            "Save", "saveProfileButton", self.save, "Save the form into this profile (Ctrl+S)"
        )
        self.save_as_button = self._button(
            "Save as…", "saveAsProfileButton", self.save_as, "Save the form as a new profile"
        )
        self.rename_button = self._button(
            "Rename…", "renameProfileButton", self.rename, "Rename this profile"
        )
        self.delete_button = self._button(
            "Delete",
            "deleteProfileButton",
            self.delete,
            "Delete this profile and its keyring entries",
        )
        label = QLabel("&Profile", self)
        label.setBuddy(self.combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(label)
        row.addWidget(self.combo, 1)
        for button in (
            self.save_button,
            self.save_as_button,
            self.rename_button,
            self.delete_button,
        ):
            row.addWidget(button)
        self.combo.activated.connect(self._on_activated)
        self.form.changed.connect(self._refresh_state)
        self._refresh_state()

    def _button(self, text: str, name: str, slot: Callable[[], None], tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setEnabled(False)
        button.clicked.connect(slot)
        return button

    # --- start-up -----------------------------------------------------------------------

    #: How long after the profiles are read the keyring is looked for, when nothing needs it
    #: sooner. Looking takes 0.1 s or more (keyring imports and picks a backend, D-Bus), and
    #: the first paint does not need it: only the banner, a save or a profile's secrets do.
    KEYRING_CHECK_DELAY_MS = 250

    def open(self, *, restore_last: bool) -> None:
        """Read the profiles, then look for the keyring, off the UI thread."""

        def work() -> Opened:
            from smstester.core.keystore import SecretStore
            from smstester.core.profiles import ProfileStore

            store = ProfileStore()
            signature = file_signature(store.path)
            return Opened(store, SecretStore(), store.last_used(), signature)

        def done(opened: Opened) -> None:
            self.store, self.keys = opened.store, opened.keys
            self._signature = opened.signature
            self._watch()
            for warning in opened.store.warnings:
                self.note.emit(warning, "warn")
            self._fill_combo()
            if restore_last and opened.last is not None and not self._form_has_content():
                self._load(opened.last)  # reads its secrets: finds the keyring now
                self._check_keyring()
            else:
                self.keyring_timer.start(self.KEYRING_CHECK_DELAY_MS)

        self.tasks.start(
            work,
            result=done,
            failed=lambda error: self.note.emit(
                f"Could not read the saved profiles: {describe(error)}", "fail"
            ),
        )

    # --- changes made elsewhere --------------------------------------------------------

    #: How long after the last event of the profiles file it is looked at.
    RELOAD_DELAY_MS = 150

    def _watch(self) -> None:
        """Watch the profiles file and its folder: a save replaces the file (a rename into
        the folder), so the file's own watch ends with each save and is set again here."""
        store = self.store
        if store is None or self._shut_down:
            return
        if self.watcher is None:
            from PySide6.QtCore import QFileSystemWatcher
            from PySide6.QtGui import QGuiApplication

            self.watcher = QFileSystemWatcher(self)
            self.watcher.fileChanged.connect(self._file_event)
            self.watcher.directoryChanged.connect(self._file_event)
            # A watch can miss a change (a network folder, no inotify left): the file is
            # looked at again whenever the window becomes active.
            app = QGuiApplication.instance()
            if isinstance(app, QGuiApplication):
                app.applicationStateChanged.connect(self._on_app_state)
        wanted = [str(store.path.parent)]
        if self._signature is not None:
            wanted.append(str(store.path))
        watched = set(self.watcher.files()) | set(self.watcher.directories())
        missing = [path for path in wanted if path not in watched]
        if missing:
            self.watcher.addPaths(missing)

    def _file_event(self, _path: str) -> None:
        if not self._shut_down:
            self.reload_timer.start()

    def _on_app_state(self, state: Qt.ApplicationState) -> None:
        if state == QtCore.Qt.ApplicationState.ApplicationActive and not self._shut_down:
            self.reload_timer.start()

    def check_file(self) -> None:
        """Read the profiles file again, on the worker, when it is not the one last read;
        then show what changed (see `_adopt`)."""
        store = self.store
        if store is None or self._shut_down:
            return
        known = self._signature

        def work() -> tuple[tuple[int, int, int] | None, ProfileStore] | None:
            from smstester.core.profiles import ProfileStore

            signature = file_signature(store.path)
            if signature == known:
                return None
            return signature, ProfileStore(store.path, store.settings)

        def done(found: tuple[tuple[int, int, int] | None, ProfileStore] | None) -> None:
            if found is not None:
                if self.tasks.busy:
                    # An operation queued meanwhile went through the store read before
                    # this one: look again once it is done (its own save changes the file).
                    self.reload_timer.start()
                else:
                    self._signature = found[0]
                    self._adopt(found[1])
            self._watch()

        self.tasks.start(work, result=done, failed=lambda _error: self._watch())

    def _adopt(self, fresh: ProfileStore) -> None:
        """Show the profiles `fresh` read: the list, and what became of the profile in the
        form. The form's unsaved edits are never lost."""
        old = self.store
        self.store = fresh
        known = set(old.warnings) if old is not None else set()
        for warning in fresh.warnings:
            if warning not in known:
                self.note.emit(warning, "warn")
        current = self.current
        if current is not None:
            now = fresh.get_by_id(current.id)
            if now is None:
                self.note.emit(
                    f'The profile "{current.name}" was deleted outside this window (by '
                    "smstester profiles or another window). The form keeps what it shows: "
                    "Save as… keeps it as a new profile.",
                    "warn",
                )
                self._set_current(None, {})
                return
            if now != current:
                if self.modified():
                    self.current = now
                    self.note.emit(
                        f'The profile "{now.name}" was changed outside this window; your '
                        "unsaved edits are kept (Save writes them over that change).",
                        "warn",
                    )
                elif now.same_settings(current):
                    self.current = now  # renamed, or its id-only fields: nothing to show
                else:
                    self.note.emit(
                        f'The profile "{now.name}" was changed outside this window: the '
                        "form shows it as it is saved now.",
                        "dim",
                    )
                    self._load(now)
                    return
        if old is None or [(p.id, p.name) for p in old.list()] != [
            (p.id, p.name) for p in fresh.list()
        ]:
            self._fill_combo()  # not after this window's own save: the list is as shown

    def _check_keyring(self) -> None:
        """Look for the keyring on the worker (after any queued operation that already did)
        and say what was found."""
        keys = self.keys
        if keys is None or self._shut_down:
            return
        self.tasks.start(keys.status, result=self.keyring_status.emit)

    def _form_has_content(self) -> bool:
        test = self.form.test()
        # base_url always holds something (the live host), so it says nothing here
        return any(getattr(test, n).strip() for n in SINGLE_LINE_FIELDS if n != "base_url")

    # --- the combo ----------------------------------------------------------------------

    def _fill_combo(self) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(UNSAVED, None)
        if self.store is not None:
            for profile in self.store.list():
                self.combo.addItem(profile.name, profile.id)
        index = self.combo.findData(self.current.id) if self.current else 0
        self.combo.setCurrentIndex(max(index, 0))
        self.combo.blockSignals(False)
        self.combo.setEnabled(True)
        self._refresh_state()

    def _on_activated(self, index: int) -> None:
        profile_id = self.combo.itemData(index)
        if self.store is None:
            return
        if profile_id == (self.current.id if self.current else None):
            return
        if self.modified() and not dialogs.ask(
            self,
            "Discard changes?",
            f"The changes to {self._current_name()} are not saved. Switch and lose them?",
            yes="Discard changes",
        ):
            self._fill_combo()  # back to the current profile
            return
        profile = self.store.get_by_id(profile_id) if profile_id else None
        if profile is None:
            self._set_current(None, {})
        else:
            self._load(profile)

    def _current_name(self) -> str:
        return f'"{self.current.name}"' if self.current else "the unsaved connection"

    # --- loading ------------------------------------------------------------------------

    def _load(self, profile: Profile) -> None:
        """Fill the form from `profile` at once; its secrets follow from the keyring."""
        self.form.set_test(profile.to_test())
        self.form.set_region(profile.region)
        self._set_current(profile, {})
        keys, store = self.keys, self.store
        if keys is None or store is None:
            return
        self._secrets_loading = True

        def work() -> dict[str, str]:
            store.set_last_used(profile)
            return keys.get_all(profile.id)

        def done(secrets: dict[str, str]) -> None:
            if self.current is None or self.current.id != profile.id:
                return  # the user moved on
            self._secrets_loading = False
            self._saved_secrets = secrets
            key = secrets.get("auth_key", "")
            self.key_expiry = (key, profile.auth_key_expires) if key else None
            self.form.auth_key.setText(key)
            self.form.password.setText(secrets.get("password", ""))
            self._refresh_state()
            self.key_loaded.emit(key, profile.auth_key_expires)

        self.tasks.start(work, result=done, failed=self._failed("read the profile's secrets"))

    def _set_current(self, profile: Profile | None, secrets: dict[str, str]) -> None:
        self.current = profile
        self._saved_secrets = secrets
        self._fill_combo()
        self.profile_changed.emit(profile)

    # --- state --------------------------------------------------------------------------

    def form_profile(self, name: str, base: Profile | None) -> Profile:
        """The profile the form describes, keeping `base`'s id, timeouts and TLS settings."""
        from smstester.core.connection import profile_settings
        from smstester.core.profiles import Profile

        test = self.form.test()
        settings = profile_settings(base)
        key, expires = self.key_expiry or ("", "")
        settings["auth_key_expires"] = expires if key and key == test.auth_key else ""
        return Profile.from_test(name, test, id=base.id if base else None, **settings)

    def _form_secrets(self) -> dict[str, str]:
        from smstester.core.connection import secrets_of

        return secrets_of(self.form.test())

    def modified(self) -> bool:
        """True when the form differs from the saved profile (secrets included)."""
        if self.current is None:
            return False
        if self._secrets_loading:
            return not self.current.same_settings(
                self.form_profile(self.current.name, self.current)
            )
        return (
            not self.current.same_settings(self.form_profile(self.current.name, self.current))
            or self._form_secrets() != self._saved_secrets
        )

    def _refresh_state(self) -> None:
        ready = self.store is not None and not self.store.read_only
        has = self.current is not None
        modified = self.modified()
        self.save_button.setEnabled(ready and (modified or not has))
        self.save_as_button.setEnabled(ready)
        self.rename_button.setEnabled(ready and has)
        self.delete_button.setEnabled(ready and has)
        window = self.window()
        window.setWindowModified(modified)
        index = self.combo.currentIndex()
        if has and index > 0:
            assert self.current is not None
            self.combo.setItemText(index, self.current.name + (" •" if modified else ""))

    # --- operations ---------------------------------------------------------------------

    def _failed(self, what: str) -> Callable[[BaseException], None]:
        def report(error: BaseException) -> None:
            text = describe(error, self._form_secrets().values())
            self.note.emit(f"Could not {what}: {text}", "fail")
            dialogs.inform(self, "Profiles", f"Could not {what}:\n{text}")
            self._fill_combo()

        return report

    def _saved(self, work: Callable[[], SavedProfile], secrets: dict[str, str], what: str) -> None:
        """Run a save (`core.connection`: secrets and file in one order, one rollback) on
        the worker, then show its profile."""
        store = self.store
        if store is None:
            return

        def run() -> SavedProfile:
            saved = work()
            store.set_last_used(saved.profile)
            return saved

        def done(saved: SavedProfile) -> None:
            self._set_current(saved.profile, dict(secrets))
            verb = "Created" if saved.created else "Saved"
            where = "" if saved.in_keyring else " (secrets kept in memory only: no keyring)"
            self.note.emit(f'{verb} profile "{saved.profile.name}"{where}.', "dim")

        self.tasks.start(run, result=done, failed=self._failed(what))

    def save(self) -> None:
        """Save the form into the current profile (or ask for a name for a new one)."""
        current, store, keys = self.current, self.store, self.keys
        if current is None:
            self.save_as()
            return
        if store is None or keys is None:
            return
        profile = self.form_profile(current.name, current)
        secrets = self._form_secrets()

        def work() -> SavedProfile:
            from smstester.core.connection import save_profile

            return save_profile(store, keys, profile, secrets, new=False, remove_missing=True)

        self._saved(work, secrets, "save the profile")

    def save_as(self) -> None:
        """Save the form as a new profile."""
        suggestion = self.current.name + " (copy)" if self.current else self.form.brand_url.text()
        name = dialogs.ask_text(self, "Save profile as", "Profile name:", suggestion)
        store, keys, like = self.store, self.keys, self.current
        if not name or not name.strip() or store is None or keys is None:
            return
        test = self.form.test()

        def work() -> SavedProfile:
            from smstester.core.connection import save_as

            return save_as(store, keys, name, test, like=like)

        self._saved(work, self._form_secrets(), "create the profile")

    def rename(self) -> None:
        current, store = self.current, self.store
        if current is None or store is None:
            return
        name = dialogs.ask_text(self, "Rename profile", "New name:", current.name)
        if not name or not name.strip() or name.strip() == current.name:
            return

        def done(renamed: Profile) -> None:
            if self.current is not None and self.current.id == renamed.id:
                self.current = renamed
            self._fill_combo()
            self.note.emit(f'Renamed profile "{current.name}" to "{renamed.name}".', "dim")

        self.tasks.start(
            lambda: store.rename(current.name, name.strip()),
            result=done,
            failed=self._failed("rename the profile"),
        )

    def delete(self) -> None:
        current, store, keys = self.current, self.store, self.keys
        if current is None or store is None or keys is None:
            return
        if not dialogs.ask(
            self,
            "Delete profile?",
            f'Delete the profile "{current.name}" and its saved secrets? '
            "The form keeps what it shows now.",
            yes="Delete",
        ):
            return

        def work() -> DeletedProfile:
            from smstester.core.connection import delete_profile

            return delete_profile(store, keys, current.name)

        def done(deleted: DeletedProfile) -> None:
            self._set_current(None, {})
            name = deleted.profile.name
            if deleted.warnings:
                but = " ".join(deleted.warnings)
                self.note.emit(f'Deleted profile "{name}", but {but}', "warn")
            else:
                self.note.emit(f'Deleted profile "{name}" and its keyring entries.', "dim")

        self.tasks.start(work, result=done, failed=self._failed("delete the profile"))

    def export_to(self, path: str) -> None:
        store = self.store
        if store is None:
            return
        self.tasks.start(
            lambda: store.export_profiles(Path(path)),
            result=lambda names: self.note.emit(
                f"Exported {len(names)} profile(s) to {path} (no secrets).", "dim"
            ),
            failed=self._failed("export the profiles"),
        )

    def import_from(self, path: str) -> None:
        store = self.store
        if store is None:
            return

        def done(report: Any) -> None:
            self._fill_combo()
            for line in report.lines():
                self.note.emit(line, "dim")

        self.tasks.start(
            lambda: store.import_profiles(Path(path), "rename"),
            result=done,
            failed=self._failed("import the profiles"),
        )

    def shutdown(self) -> None:
        self._shut_down = True
        self.keyring_timer.stop()
        self.reload_timer.stop()
        if self.watcher is not None:
            self.watcher.blockSignals(True)
        self.tasks.close()
