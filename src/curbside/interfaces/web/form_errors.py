"""Form errors shown inline: a refused form (an empty question, a request for changes without a note, a file that
cannot be read) comes back as the same page, with the message beside the form and what was typed kept, and the
navigation there as on every page. Only input and state errors are shown so; 401/403/404 stay error pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, TypeVar

from curbside.errors import InputError
from curbside.interfaces.web.errors import ApiError
from curbside.review.workflow import WorkflowError

T = TypeVar("T")
INLINE = (409, 413, 415, 422)


@dataclass
class FormError:
    form: str                     # which form on the page: ask, follow_up, review, comment, strike, submit, upload
    message: str
    status: int = 422
    values: dict = field(default_factory=dict)    # what was typed, to put back

    def value(self, name: str, default: str = "") -> str:
        return str(self.values.get(name, default) or "")


def attempt(fn: Callable[[], T], form: str, **values) -> tuple[T | None, FormError | None]:
    """fn's result, or the FormError to show inline when it refused the input; other errors propagate."""
    try:
        return fn(), None
    except ApiError as exc:
        if exc.status not in INLINE:
            raise
        return None, FormError(form, exc.message, exc.status, values)
    except WorkflowError as exc:
        if exc.status not in INLINE:
            raise
        return None, FormError(form, str(exc), exc.status, values)
    except InputError as exc:
        return None, FormError(form, str(exc), 422, values)
