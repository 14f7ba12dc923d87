"""The write side for deals: each function is one unit of work and commits it."""

from sqlalchemy.orm import Session

from app.models import Deal, User, utcnow


class DealError(ValueError):
    """A change that cannot be made as asked; the message says why."""


def delete_deal(session: Session, deal: Deal, user: User) -> Deal:
    """Soft delete: the deal leaves every list; an admin can restore it."""
    if deal.deleted_at is not None:
        raise DealError("This deal is already deleted.")
    deal.deleted_at = utcnow()
    deal.updated_by_id = user.id
    session.commit()
    return deal


def restore_deal(session: Session, deal: Deal, user: User) -> Deal:
    if deal.deleted_at is None:
        raise DealError("This deal is not deleted.")
    deal.deleted_at = None
    deal.updated_by_id = user.id
    session.commit()
    return deal
