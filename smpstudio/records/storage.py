"""Encrypted photo files: per-clinic key files, per-client photo keys, atomic writes.

Layout under the data folder::

    keys/clinic-<id>.key            32 random bytes (mode 0600): the clinic's key-encryption key
    photos/<clinic>/<client>/<key>.jpg.enc     AES-256-GCM(nonce | ciphertext) of the JPEG
    photos/<clinic>/<client>/<key>.thumb.enc   same for the thumbnail

Each client has its own random photo key, stored in the database only wrapped (AES-GCM) with the
clinic key, so neither a database dump nor the photo folder alone reveals a photo, and deleting the
wrapped key crypto-shreds every copy of that client's photos held with the *live* database.

A backup's database still holds the wrapped keys of clients erased after it was made; with the
clinic keys (``smp backup --with-keys``) such a backup could decrypt their photos. Every erase is
therefore also written to ``erased.jsonl`` (this folder, no personal data) and copied into backups, and
``smp restore`` erases again every client that ledger lists (README, *What a restore brings back*).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from smpstudio.errors import SMPError

NONCE_BYTES = 12
KEY_BYTES = 32
TMP_PREFIX = ".tmp-"


class KeyStore:
    """Clinic key files under ``key_dir`` (created on first use, never overwritten)."""

    def __init__(self, key_dir: Path) -> None:
        self.key_dir = Path(key_dir)

    def path(self, clinic_id: int) -> Path:
        return self.key_dir / f"clinic-{int(clinic_id)}.key"

    def clinic_key(self, clinic_id: int, *, create: bool = True) -> bytes:
        path = self.path(clinic_id)
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            if not create:
                raise SMPError(f"the key file {path} of clinic {clinic_id} is missing") from None
            key = self._create(path)
        if len(key) != KEY_BYTES:
            raise SMPError(f"the key file {path} is damaged ({len(key)} bytes, expected {KEY_BYTES})")
        return key

    def _create(self, path: Path) -> bytes:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        key = AESGCM.generate_key(bit_length=256)
        tmp = write_atomic(path.parent, path.name + f".{secrets.token_hex(4)}", key, mode=0o600, final=False)
        try:
            os.link(tmp, path)  # fails if another process created the key first: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return path.read_bytes()

    def wrap(self, clinic_id: int, client_id: int, client_key: bytes) -> bytes:
        return encrypt(self.clinic_key(clinic_id), client_key, _wrap_aad(clinic_id, client_id))

    def unwrap(self, clinic_id: int, client_id: int, wrapped: bytes) -> bytes:
        return decrypt(self.clinic_key(clinic_id, create=False), wrapped, _wrap_aad(clinic_id, client_id))


def _wrap_aad(clinic_id: int, client_id: int) -> bytes:
    return f"smp-client-key:{clinic_id}:{client_id}".encode()


def new_client_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except InvalidTag:
        raise SMPError("an encrypted file does not match its key (damaged or from another record)") from None


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(directory: Path, name: str, data: bytes, *, mode: int = 0o600, final: bool = True) -> Path:
    """Write ``data`` to a temporary file in ``directory``, fsync it, and (if ``final``) rename it to
    ``name`` and fsync the folder. Returns the final path (or the temporary one when not ``final``)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=TMP_PREFIX, dir=directory)
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not final:
            return tmp
        target = directory / name
        os.replace(tmp, target)
        fsync_dir(directory)
        return target
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class PhotoStore:
    """Encrypted photo and thumbnail files of every clinic under ``photo_dir``."""

    def __init__(self, photo_dir: Path) -> None:
        self.photo_dir = Path(photo_dir)

    def folder(self, clinic_id: int, client_id: int) -> Path:
        return self.photo_dir / str(int(clinic_id)) / str(int(client_id))

    def paths(self, clinic_id: int, client_id: int, storage_key: str) -> tuple[Path, Path]:
        folder = self.folder(clinic_id, client_id)
        return folder / f"{storage_key}.jpg.enc", folder / f"{storage_key}.thumb.enc"

    @staticmethod
    def aad(clinic_id: int, client_id: int, storage_key: str, kind: str) -> bytes:
        return f"smp-photo:{clinic_id}:{client_id}:{storage_key}:{kind}".encode()

    def write(
        self, clinic_id: int, client_id: int, storage_key: str, client_key: bytes, jpeg: bytes, thumb: bytes
    ) -> list[Path]:
        folder = self.folder(clinic_id, client_id)
        written: list[Path] = []
        try:
            for kind, data in (("thumb", thumb), ("jpg", jpeg)):
                blob = encrypt(client_key, data, self.aad(clinic_id, client_id, storage_key, kind))
                written.append(write_atomic(folder, f"{storage_key}.{kind}.enc", blob))
        except BaseException:
            for p in written:
                p.unlink(missing_ok=True)
            raise
        return written

    def read(self, clinic_id: int, client_id: int, storage_key: str, client_key: bytes, kind: str) -> bytes:
        full, thumb = self.paths(clinic_id, client_id, storage_key)
        path = thumb if kind == "thumb" else full
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise SMPError(f"the photo file {path.name} is missing") from None
        return decrypt(client_key, blob, self.aad(clinic_id, client_id, storage_key, kind))

    def delete(self, clinic_id: int, client_id: int, storage_key: str) -> None:
        for p in self.paths(clinic_id, client_id, storage_key):
            p.unlink(missing_ok=True)

    def all_files(self) -> list[Path]:
        if not self.photo_dir.exists():
            return []
        return sorted(p for p in self.photo_dir.rglob("*") if p.is_file())


class ErasureLedger:
    """``<data dir>/erased.jsonl``: one line per erased client (clinic id, client id, time, whether the
    identity was anonymised; no personal data), appended and fsynced after each erase. A restore
    re-applies every erasure it lists (:func:`smpstudio.records.backup.restore`), so restoring a backup
    made before an erase does not bring the erased client back."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, clinic_id: int, client_id: int, at: str, anonymised: bool) -> None:
        import json

        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"clinic_id": clinic_id, "client_id": client_id, "at": at, "anonymised": anonymised})
        fd = os.open(self.path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, object]]:
        import json

        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:  # a torn last line after a crash
                continue
        return out
