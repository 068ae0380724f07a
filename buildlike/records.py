"""How a job's record and a name are stored: a record as marshal's bytes, a name as SQLite text
(state.py keeps them; the build loop and the staleness rules read the records)."""

from __future__ import annotations

import marshal
from typing import NamedTuple, TypeVar

from buildlike.fingerprint import hash_bytes


class JobRecord(NamedTuple):
    """What a job's last successful run saw and made. (A NamedTuple: 10,000 are decoded per no-op.)"""

    fingerprint: bytes
    inputs: tuple[str, ...]
    input_digests: tuple[bytes, ...]
    discovered: tuple[str, ...]  # extra inputs read from its depfile
    discovered_digests: tuple[bytes, ...]
    outputs: tuple[str, ...]
    output_digests: tuple[bytes, ...]
    # The depfile the run wrote, made by the job as its outputs are (records from before lack it).
    depfile: str | None = None
    depfile_digest: bytes = b""

    def made(self) -> dict[str, bytes | None]:
        """Every file the run made, outputs and depfile, with its digest then (None if unknown)."""
        out: dict[str, bytes | None] = {}
        for k, p in enumerate(self.outputs):
            if isinstance(p, str):
                d = self.output_digests[k] if k < len(self.output_digests) else None
                out[p] = d if isinstance(d, bytes) else None
        if isinstance(self.depfile, str) and self.depfile not in out:
            out[self.depfile] = self.depfile_digest if isinstance(self.depfile_digest, bytes) else None
        return out


# SQLite keeps no checksum of a row's bytes, and marshal trusts the lengths it reads: one flipped bit
# may ask it for a tuple of two billion items. A record carries its own.
_CHECKSUM = 8


def encode_record(record: JobRecord) -> bytes:
    """A record's stored form: its marshal bytes, then their checksum (`decode_record` reads it)."""
    body = marshal.dumps(tuple(record))
    return body + hash_bytes(body)[:_CHECKSUM]


# A name (a path, a job's id) that is not valid UTF-8 (Linux names are bytes, which Python holds as
# surrogates) is stored as this, then its bytes in hex: SQLite's text is UTF-8. No name holds a NUL.
_ESCAPED = "\0"
V = TypeVar("V")


def stored_name(name: str) -> str:
    """`name` as SQLite can store it (see `_ESCAPED`)."""
    if name.isascii():
        return name
    try:
        name.encode()
        return name
    except UnicodeEncodeError:
        # (surrogatepass: every string comes back as it was, whatever the file system's encoding)
        return _ESCAPED + name.encode("utf-8", "surrogatepass").hex()


def unescaped(text: str) -> str:
    """The name `stored_name` stored as `text`."""
    if not text.startswith(_ESCAPED):
        return text
    try:
        data = bytes.fromhex(text[1:])
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:  # written by an older version: the name's bytes
            return data.decode("utf-8", "surrogateescape")
    except ValueError:  # a tampered store: a name no file has
        return text


def unescape_keys(by_name: dict[str, V]) -> None:
    """Give the names `stored_name` escaped back their own spelling; `by_name` was read in order of names
    (the order the table keeps them in: no sorting), so the escaped ones, starting with NUL, come first."""
    escaped = []
    for name in by_name:
        if not name.startswith(_ESCAPED):
            break
        escaped.append(name)
    for name in escaped:
        by_name[unescaped(name)] = by_name.pop(name)


def decode_record(blob: bytes) -> JobRecord | None:
    """A record from its stored form; None (so the job reruns) if it is damaged or not well formed."""
    body = blob[:-_CHECKSUM]
    if len(blob) <= _CHECKSUM or hash_bytes(body)[:_CHECKSUM] != blob[-_CHECKSUM:]:
        return None
    try:
        rec = JobRecord(*marshal.loads(body))
        paired = (
            len(rec.inputs) == len(rec.input_digests)
            and len(rec.discovered) == len(rec.discovered_digests)
            and len(rec.outputs) == len(rec.output_digests)
        )
    except (ValueError, EOFError, TypeError):
        return None
    return rec if paired else None
