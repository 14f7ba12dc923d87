"""Uploaded CSV files kept between their preview and the confirmation (`/import`).

The preview stores the file with its SHA-256 and answers with a random key; the confirmation
sends that key back instead of the file, so a file of any accepted size (not only what fits
in one form field) can be confirmed, by any worker or machine. A staged file belongs to the
user who uploaded it and expires after `STAGED_FOR`; expired ones are removed as new ones
arrive.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.models import StagedImport, User, utcnow

STAGED_FOR = timedelta(hours=2)


def _checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stage(session: Session, user: User, file_name: str, content: bytes) -> StagedImport:
    """Keep an uploaded file; commits."""
    session.execute(delete(StagedImport).where(StagedImport.expires_at < utcnow()))
    staged = StagedImport(
        key=secrets.token_urlsafe(32),
        user_id=user.id,
        file_name=file_name[:300],
        content=content,
        checksum=_checksum(content),
        expires_at=utcnow() + STAGED_FOR,
    )
    session.add(staged)
    session.commit()
    return staged


def find_staged(session: Session, user: User, key: str) -> StagedImport | None:
    """The user's staged file under this key, if it has not expired and is intact."""
    staged = session.get(StagedImport, key[:64]) if key else None
    if staged is None or staged.user_id != user.id:
        return None
    expires = staged.expires_at
    if expires < utcnow() or _checksum(staged.content) != staged.checksum:
        return None
    return staged


def discard(session: Session, staged: StagedImport) -> None:
    """Forget a staged file once imported; commits."""
    session.delete(staged)
    session.commit()
